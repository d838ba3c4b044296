"""Pharmacogenomics in CDS: find painpath's patient behind the EHR's Patient (by MRN), read
their stored genotypes (audited: the reader is the CDS client) and card CPIC advice for a drug
being ordered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.cds.cards import make_card, replace_suggestions
from painpath.models.genotype import GenotypeResult
from painpath.models.patient import Patient
from painpath.pgx.actions import ACTION_OF
from painpath.pgx.advice import Advice, interpret
from painpath.pgx.genes import Gene
from painpath.pgx.phenoconversion import GeneResult
from painpath.pgx.tables import known_drugs
from painpath.services.pgx.genotypes import stored_gene_result

#: Strengths that change what the prescriber should do; "No Recommendation" and friends do not.
ACTIONABLE = frozenset({"Strong", "Moderate", "Optional"})
#: One level lower: for advice a drug interaction selected, whose strength the guideline graded
#: for the genotype-defined phenotype only (issue 9, finding 6).
ONE_LEVEL_LOWER = {"critical": "warning", "warning": "info", "info": "info"}


def _mrns(ehr_patient: Mapping[str, Any], identifier_system: str | None) -> list[str]:
    """The EHR Patient's identifier values in `identifier_system` (at most 20)."""
    if not identifier_system:
        return []
    return [
        identifier["value"]
        for identifier in ehr_patient.get("identifier") or []
        if isinstance(identifier, dict)
        and identifier.get("system") == identifier_system
        and isinstance(identifier.get("value"), str)
        and identifier["value"]
    ][:20]


_PATIENTS = cast("Table", Patient.__table__)
_GENOTYPES = cast("Table", GenotypeResult.__table__)
# Built once (building the statement cost more than running it): one round trip, Core (the
# ORM's entity loading was most of its cost; the CDS call needs the id and five columns).
_PATIENT_WITH_GENOTYPES = (
    select(
        _PATIENTS.c.id,
        _GENOTYPES.c.gene,
        _GENOTYPES.c.diplotype,
        _GENOTYPES.c.phenotype,
        _GENOTYPES.c.activity_score,
        _GENOTYPES.c.source,
    )
    .outerjoin(_GENOTYPES, _GENOTYPES.c.patient_id == _PATIENTS.c.id)
    .where(_PATIENTS.c.mrn.in_(bindparam("mrns", expanding=True)))
    .order_by(_PATIENTS.c.id, _GENOTYPES.c.id)
)


@lru_cache(maxsize=1024)
def _gene_result(
    gene: str, diplotype: str, phenotype: str | None, activity_score: float | None, source: str
) -> GeneResult:
    """`stored_gene_result` of a row with these values (all it reads), remembered: the same
    few hundred stored calls recur in every call, and re-deriving one from its diplotypes
    costs more than the query. Raises ValueError (not remembered) as it does."""
    row = GenotypeResult(
        gene=gene,
        diplotype=diplotype,
        phenotype=phenotype,
        activity_score=activity_score,
        source=source,
    )
    return stored_gene_result(row)


def find_patient_with_genotypes(
    session: Session,
    ehr_patient: Mapping[str, Any],
    *,
    issuer: str,
    identifier_system: str | None,
) -> tuple[int | None, dict[Gene | str, GeneResult]]:
    """The id of painpath's patient whose MRN is the value of one of the EHR Patient's
    identifiers in `identifier_system` (the system this client is configured to carry
    painpath's MRN in), and their stored genotypes as engine results — one query, both reads
    audited. The same value in another system (an insurance member id, another hospital's
    MRN) is another person's number and matches nothing; without a system, nothing matches;
    two painpath patients for one EHR patient match no one. Rows that cannot be read are
    skipped."""
    values = _mrns(ehr_patient, identifier_system)
    if not values:
        return None, {}
    rows = session.connection().execute(_PATIENT_WITH_GENOTYPES, {"mrns": values}).all()
    if len({row.id for row in rows}) != 1:
        return None, {}
    patient_id: int = rows[0].id
    genotypes = [row for row in rows if row.gene is not None]
    audit.record(
        session,
        actor=None,
        action="read",
        resource_type="Patient",
        patient_id=patient_id,
        resource_id=patient_id,
        detail=f"CDS Hooks: matched EHR patient {ehr_patient.get('id')} for client {issuer}",
    )
    audit.record(
        session,
        actor=None,
        action="read",
        resource_type="GenotypeResult",
        patient_id=patient_id,
        detail=f"CDS Hooks: {len(genotypes)} genotype results read for client {issuer}",
    )
    results: dict[Gene | str, GeneResult] = {}
    for row in genotypes:
        try:
            results[Gene(row.gene)] = _gene_result(
                row.gene, row.diplotype, row.phenotype, row.activity_score, row.source
            )
        except ValueError:
            continue
    return patient_id, results


def phenotype_lines(results: Mapping[Gene | str, GeneResult]) -> list[str]:
    return [
        f"{gene}: {result.phenotype or 'no phenotype'}"
        for gene, result in sorted(results.items(), key=lambda item: str(item[0]))
    ]


def _basis(advice: Advice) -> str:
    parts = []
    for basis in advice.based_on:
        diplotype = ", ".join(basis.diplotypes) or "not tested"
        text = f"{basis.gene.value} {diplotype} → {basis.phenotype or 'no phenotype'}"
        if basis.phenoconverted_by:
            text += f" (phenoconverted by {', '.join(basis.phenoconverted_by)})"
        parts.append(text)
    return "; ".join(parts)


def indicator_for(advice: Advice) -> str:
    """critical for a strong "avoid", warning otherwise; one level lower after phenoconversion."""
    rec = advice.recommendation
    avoid = ACTION_OF[rec.template] == "avoid"
    indicator = "critical" if rec.strength == "Strong" and avoid else "warning"
    if advice.applied_via == "phenoconversion":
        return ONE_LEVEL_LOWER[indicator]
    return indicator


def _alternatives(advice: Advice) -> str:
    """The checked alternatives: offered ones with their caveats, then those left out and why."""
    lines = [
        f"- {check.note}" if check.note else f"- {check.drug}"
        for check in advice.alternative_checks
        if check.offered
    ]
    text = "\n\nAlternatives:\n" + "\n".join(lines) if lines else ""
    left_out = [check.note for check in advice.alternative_checks if not check.offered]
    if left_out:
        text += "\n\nNot offered: " + " ".join(note for note in left_out if note)
    return text


def pgx_cards(
    *,
    drug: str,
    results: Mapping[Gene | str, GeneResult],
    other_medications: Sequence[str],
    draft: Mapping[str, Any],
    patient_ref: str,
    links: Sequence[Mapping[str, str]],
) -> list[dict[str, Any]]:
    """Cards for actionable CPIC advice on `drug`; none for drugs without guidance."""
    drug = drug.lower()
    if not results or drug not in known_drugs():
        return []
    interpretation = interpret(results, meds=list(other_medications), drugs=[drug])
    cards = []
    for advice in interpretation.drugs.get(drug, ()):
        rec = advice.recommendation
        if rec.strength not in ACTIONABLE:
            continue
        suggestions = replace_suggestions(draft, advice.alternatives, patient_ref=patient_ref)
        detail = (
            f"**{rec.recommendation}**\n\n{rec.implication}\n\n"
            f"Based on: {_basis(advice)}.\n\n"
            f"Strength: {advice.strength_label}. {rec.citation}"
        ) + _alternatives(advice)
        cards.append(
            make_card(
                summary=f"{drug.capitalize()}: {rec.recommendation}",
                indicator=indicator_for(advice),
                detail=detail,
                source={"label": f"{rec.source}: {rec.guideline}", "url": rec.url},
                links=links,
                suggestions=suggestions,
            )
        )
    return cards
