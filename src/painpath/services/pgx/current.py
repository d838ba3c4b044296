"""The patient's PGx picture today: stored genotypes, read against their active prescriptions.

Advice is recomputed from the `GenotypeResult` rows (whatever produced them: VCF, lab calls or
demo data) for the ingredients of the patient's active medication requests that have PGx
guidance. The same ingredients are the co-prescribed medicines checked for CYP inhibition, so
a patient taking duloxetine (a moderate CYP2D6 inhibitor) gets phenoconverted advice for their
tramadol.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.models.genotype import GenotypeResult
from painpath.models.medication import MedicationRequest, MedicationRequestStatus
from painpath.models.pgx_report import PgxReport
from painpath.pgx.advice import interpret
from painpath.pgx.genes import Gene
from painpath.pgx.phenoconversion import GeneResult
from painpath.pgx.report import SampleReport, report_document
from painpath.pgx.tables import known_drugs
from painpath.services.access import PatientAccess
from painpath.services.pgx import uploads as pgx
from painpath.services.pgx.genotypes import stored_gene_result
from painpath.services.records import list_genotypes
from painpath.terminology import lookup_rxnorm

#: The sample id of the current view's document.
RECORD_SAMPLE = "record"


@dataclass(frozen=True, slots=True)
class Medicine:
    """An active prescription and the generic ingredients painpath reads it as."""

    request: MedicationRequest
    ingredients: tuple[str, ...]


@dataclass(frozen=True)
class CurrentPgx:
    genotypes: list[GenotypeResult]
    medicines: list[Medicine]
    #: Ingredients of the active prescriptions that have PGx guidance (advice is given for these).
    drugs: tuple[str, ...]
    #: The engine's document (schema painpath.pgx.report/1), one sample named "record".
    document: dict[str, Any]
    latest_report: PgxReport | None

    @property
    def sample(self) -> dict[str, Any]:
        sample: dict[str, Any] = self.document["samples"][0]
        return sample


def _active_medicines(session: Session, access: PatientAccess) -> list[Medicine]:
    query = (
        select(MedicationRequest)
        .where(
            MedicationRequest.patient_id == access.patient_id,
            MedicationRequest.status == MedicationRequestStatus.active,
        )
        .order_by(MedicationRequest.start_date.desc(), MedicationRequest.id)
    )
    medicines = []
    for request in session.scalars(query):
        drug = lookup_rxnorm(request.rxnorm_code)
        ingredients = drug.ingredients if drug else (request.display,)
        medicines.append(Medicine(request, ingredients))
    return medicines


def _gene_results(rows: list[GenotypeResult]) -> tuple[dict[Gene | str, GeneResult], list[str]]:
    results: dict[Gene | str, GeneResult] = {}
    notes = []
    for row in rows:
        try:
            results[Gene(row.gene)] = stored_gene_result(row)
        except ValueError as error:
            notes.append(f"The stored {row.gene} result could not be interpreted ({error}).")
    return results, notes


def current_pgx(session: Session, *, access: PatientAccess) -> CurrentPgx:
    """Stored genotypes, active prescriptions and the advice for them, with phenoconversion."""
    rows = list_genotypes(session, access=access)
    sections = ["genotypes"]
    medicines: list[Medicine] = []
    if access.actor.can(Permission.medication_read):
        medicines = _active_medicines(session, access)
        sections.append("active medication requests")
    access.event.detail = "current PGx view: " + ", ".join(sections)
    ingredients = list(dict.fromkeys(i for m in medicines for i in m.ingredients))
    guided = set(known_drugs())
    drugs = tuple(sorted(i for i in dict.fromkeys(i.lower() for i in ingredients) if i in guided))
    results, notes = _gene_results(rows)
    interpretation = interpret(results, meds=ingredients, drugs=drugs)
    if notes:
        interpretation = replace(interpretation, notes=(*interpretation.notes, *notes))
    document = report_document([SampleReport(RECORD_SAMPLE, interpretation)])
    return CurrentPgx(
        genotypes=rows,
        medicines=medicines,
        drugs=drugs,
        document=document,
        latest_report=pgx.latest_report(session, access=access),
    )
