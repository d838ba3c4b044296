"""The PGx service on both databases: storing uploads, idempotence, rows read back, today's view."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from scripts.make_pgx_vcf import diplotype_vcf
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.models import (
    GenotypeResult,
    MedicationRequest,
    MedicationRequestStatus,
    PgxReport,
    User,
)
from painpath.models.medication import PeriodUnit
from painpath.models.pgx_report import PgxSourceKind
from painpath.pgx.build import GenomeBuild
from painpath.pgx.genes import Gene
from painpath.services.access import PatientAccess, open_patient
from painpath.services.errors import InvalidInput
from painpath.services.pgx import current as pgx_current
from painpath.services.pgx import uploads as pgx
from painpath.services.pgx.genotypes import NOT_REPORTED, stored_gene_result
from painpath.services.transaction import unit_of_work
from tests.pgx.fixtures import fixture
from tests.support.cohort import Cast


def grant(session: Session, cast: Cast, username: str = "clinician") -> PatientAccess:
    user = session.get(User, cast.user_ids[username])
    assert user is not None
    return open_patient(
        session,
        actor=Actor.of(user),
        patient_id=cast.home_patient_id,
        permission=Permission.genotype_write,
        action="create",
        resource_type="PgxReport",
    )


def counts(app: FastAPI) -> tuple[int, int]:
    with app.state.session_factory() as session:
        reports = session.scalar(select(func.count()).select_from(PgxReport))
        rows = session.scalar(select(func.count()).select_from(GenotypeResult))
    return reports or 0, rows or 0


@pytest.fixture
def vcf(tmp_path: Path) -> Path:
    path = tmp_path / "sample.vcf"
    path.write_text(diplotype_vcf({Gene.CYP2C9: ("*1", "*3")}))
    return path


def store(app: FastAPI, cast: Cast, path: Path, **options: object) -> tuple[int, bool]:
    with unit_of_work(app.state.session_factory) as session:
        report, created = pgx.store_vcf_report(
            session,
            access=grant(session, cast),
            path=path,
            filename=path.name,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            **options,  # type: ignore[arg-type]
        )
        return report.id, created


def test_fingerprints_ignore_medicine_order_and_case_but_not_options() -> None:
    base = pgx.fingerprint(PgxSourceKind.vcf, "a" * 64, meds=["Duloxetine", "paroxetine"])
    assert base == pgx.fingerprint(PgxSourceKind.vcf, "a" * 64, meds=["paroxetine", "duloxetine"])
    others = {
        pgx.fingerprint(PgxSourceKind.vcf, "a" * 64),
        pgx.fingerprint(PgxSourceKind.vcf, "a" * 64, sample="S1", meds=["duloxetine"]),
        pgx.fingerprint(PgxSourceKind.vcf, "a" * 64, build=GenomeBuild.GRCH37),
        pgx.fingerprint(PgxSourceKind.lab, "a" * 64, meds=["duloxetine", "paroxetine"]),
        pgx.fingerprint(PgxSourceKind.vcf, "b" * 64, meds=["duloxetine", "paroxetine"]),
    }
    assert base not in others
    assert len(others) == 5


def test_storing_the_same_vcf_twice_keeps_one_report_and_one_row_per_gene(
    app: FastAPI, cast: Cast, vcf: Path
) -> None:
    first = store(app, cast, vcf)
    again = store(app, cast, vcf)
    assert first[1] is True
    assert again == (first[0], False)
    assert counts(app) == (1, 5)


def test_a_new_upload_updates_the_genes_it_called_in_place(
    app: FastAPI, cast: Cast, vcf: Path, tmp_path: Path
) -> None:
    store(app, cast, vcf)
    with app.state.session_factory() as session:
        before = {row.gene: row.id for row in session.scalars(select(GenotypeResult))}
    other = tmp_path / "other.vcf"
    other.write_text(diplotype_vcf({Gene.CYP2C9: ("*3", "*3")}))
    store(app, cast, other)
    with app.state.session_factory() as session:
        after = {
            row.gene: (row.id, row.diplotype) for row in session.scalars(select(GenotypeResult))
        }
    assert {gene: row_id for gene, (row_id, _) in after.items()} == before
    assert after["CYP2C9"][1] == "*3/*3"
    assert counts(app) == (2, 5)


def test_a_bad_vcf_raises_and_stores_nothing(app: FastAPI, cast: Cast) -> None:
    with pytest.raises(InvalidInput, match="no GT field"):
        store(app, cast, fixture("cyp2c9_no_gt.vcf"))
    assert counts(app) == (0, 0)


def test_lab_calls_with_a_phenotype_only_are_stored_as_not_reported(
    app: FastAPI, cast: Cast
) -> None:
    with unit_of_work(app.state.session_factory) as session:
        pgx.store_lab_report(
            session, access=grant(session, cast, "pharmacist"), text="CYP2C19\t\tPM\n"
        )
    with app.state.session_factory() as session:
        row = session.scalars(select(GenotypeResult)).one()
    assert (row.gene, row.diplotype, row.phenotype, row.source) == (
        "CYP2C19",
        NOT_REPORTED,
        "Poor Metabolizer",
        "lab",
    )


IM, NM, PM = "Intermediate Metabolizer", "Normal Metabolizer", "Poor Metabolizer"


def row(
    gene: str, diplotype: str, phenotype: str | None, score: float | None, **extra: object
) -> GenotypeResult:
    return GenotypeResult(
        gene=gene,
        diplotype=diplotype,
        phenotype=phenotype,
        activity_score=score,
        source="lab",
        knowledge_version="test",
        **extra,
    )


@pytest.mark.parametrize(
    ("stored", "phenotype", "score", "diplotypes"),
    [
        (row("CYP2D6", "*1/*4", IM, 1.0), IM, "1.0", ["*1/*4"]),
        (row("CYP2D6", "*1/*4", NM, 1.5), NM, "1.5", ["*1/*4"]),
        (row("CYP2C19", NOT_REPORTED, PM, None), PM, None, []),
        (row("CYP2C19", "*1/*2 or *1/*3", IM, None), IM, None, ["*1/*2", "*1/*3"]),
        (row("CYP2C9", "*1/*2 … (9 diplotypes)", IM, 1.5), IM, "1.5", []),
        (row("OPRM1", "rs1799971 A/G", None, None), None, None, ["A/G"]),
    ],
    ids=["vcf-call", "lab-score-wins", "phenotype-only", "tied", "cut-short-ties", "rs-genotype"],
)
def test_a_stored_row_reads_back_as_the_engine_result_it_came_from(
    stored: GenotypeResult, phenotype: str | None, score: str | None, diplotypes: list[str]
) -> None:
    result = stored_gene_result(stored)
    assert (result.phenotype, result.activity_score) == (phenotype, score)
    assert [d.diplotype for d in result.diplotypes] == diplotypes


def test_a_row_with_nothing_to_read_is_refused() -> None:
    with pytest.raises(ValueError, match="no phenotype"):
        stored_gene_result(row("CYP2D6", NOT_REPORTED, None, None))


def test_todays_view_reads_demo_rows_against_the_patients_inhibitors(
    app: FastAPI, cast: Cast
) -> None:
    with unit_of_work(app.state.session_factory) as session:
        patient_id = cast.home_patient_id
        demo = row("CYP2D6", "*1/*1", "Normal Metabolizer", 2.0, patient_id=patient_id)
        demo.source = "synthetic"
        session.add(demo)
        for code, display in (("835603", "tramadol 50 MG"), ("72625", "duloxetine")):
            session.add(
                MedicationRequest(
                    patient_id=patient_id,
                    rxnorm_code=code,
                    display=display,
                    status=MedicationRequestStatus.active,
                    dose_value=1,
                    dose_unit="mg",
                    period_unit=PeriodUnit.day,
                    start_date=date(2026, 1, 5),
                )
            )
    with unit_of_work(app.state.session_factory) as session:
        current = pgx_current.current_pgx(session, access=grant(session, cast, "pharmacist"))
    assert current.drugs == ("tramadol",)
    cyp2d6 = current.sample["genes"]["CYP2D6"]
    assert (cyp2d6["phenotype"], cyp2d6["phenoconverted_phenotype"]) == (
        "Normal Metabolizer",
        "Intermediate Metabolizer",
    )
    assert current.latest_report is None
