"""PGx on the patient's record through the API: VCF and lab-call uploads, reports, today's advice.

Every test runs on SQLite and PostgreSQL. VCFs are generated into tmp_path with
scripts/make_pgx_vcf.py; the reader's own bad-file fixtures come from tests/pgx/fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from scripts.make_pgx_vcf import diplotype_vcf, samples_vcf
from sqlalchemy import Engine, select

from painpath.config import Environment, Settings
from painpath.models import AuditEvent, AuditOutcome
from painpath.pgx.genes import Gene
from painpath.pgx.report import iter_file_reports, report_document
from painpath.web.app import create_app
from tests.pgx.fixtures import PHARMCAT, fixture, needs_reference
from tests.support.cohort import Cast
from tests.support.walk import BOOKKEEPING_TABLES, database_snapshot, medication_body

Headers = dict[str, str]
TRAMADOL_50_MG = "835603"
DULOXETINE = "72625"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test settings, with uploads spooled where a test can see them."""
    return Settings(
        environment=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        upload_dir=tmp_path / "spool",
    )


@pytest.fixture
def clinician(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "clinician")


@pytest.fixture
def vcf(tmp_path: Path) -> Path:
    """One sample: CYP2D6 *1/*4, CYP2C19 *2/*17, reference elsewhere."""
    path = tmp_path / "hana.vcf"
    path.write_text(diplotype_vcf({Gene.CYP2D6: ("*1", "*4"), Gene.CYP2C19: ("*2", "*17")}))
    return path


def url(patient_id: int, tail: str = "") -> str:
    return f"/api/patients/{patient_id}/pgx{tail}"


def upload(
    client: TestClient, headers: Headers, patient_id: int, path: Path, **fields: str
) -> httpx2.Response:
    files = {"file": (path.name, path.read_bytes(), "application/octet-stream")}
    return client.post(url(patient_id, "/vcf"), files=files, data=fields, headers=headers)


def genotypes(client: TestClient, headers: Headers, patient_id: int) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/patients/{patient_id}/genotypes", headers=headers)
    assert response.status_code == 200, response.text
    return {row["gene"]: row for row in response.json()}


def spooled(settings: Settings) -> list[Path]:
    """Whatever uploads left behind in the spool directory."""
    spool = settings.upload_dir
    return sorted(spool.rglob("*")) if spool is not None and spool.exists() else []


# Uploading a VCF


def test_an_uploaded_vcf_is_stored_as_the_engine_reports_it(
    client: TestClient, cast: Cast, clinician: Headers, vcf: Path, settings: Settings
) -> None:
    response = upload(client, clinician, cast.home_patient_id, vcf)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["report"] == report_document(list(iter_file_reports(str(vcf))))
    assert (stored["source_kind"], stored["filename"], stored["sample_id"]) == (
        "vcf",
        "hana.vcf",
        "SAMPLE",
    )
    assert stored["build"] == "GRCh38"
    assert spooled(settings) == []


def test_the_stored_genotypes_are_the_engines_calls(
    client: TestClient, cast: Cast, clinician: Headers, vcf: Path
) -> None:
    upload(client, clinician, cast.home_patient_id, vcf)
    rows = genotypes(client, clinician, cast.home_patient_id)
    cyp2d6 = rows["CYP2D6"]
    assert (cyp2d6["diplotype"], cyp2d6["phenotype"], cyp2d6["activity_score"]) == (
        "*1/*4",
        "Intermediate Metabolizer",
        1.0,
    )
    assert rows["CYP2C19"]["diplotype"] == "*2/*17"
    assert rows["CYP2C19"]["phenotype"] == "Intermediate Metabolizer"
    assert rows["OPRM1"]["diplotype"] == "rs1799971 A/A"
    assert {row["source"] for row in rows.values()} == {"vcf"}


@needs_reference
def test_the_pharmcat_example_vcf_is_called_as_the_engine_calls_it(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    example = PHARMCAT / "examples" / "pharmcat.example.vcf"
    response = upload(client, clinician, cast.home_patient_id, example)
    assert response.status_code == 201, response.text
    engine_genes = report_document(list(iter_file_reports(str(example))))["samples"][0]["genes"]
    called = {
        gene: " or ".join(d["diplotype"] for d in entry["diplotypes"])
        for gene, entry in engine_genes.items()
        if entry["diplotypes"]
    }
    rows = genotypes(client, clinician, cast.home_patient_id)
    assert {gene: row["diplotype"] for gene, row in rows.items()} == called


@pytest.mark.parametrize(
    "name",
    [
        "cyp2c19_s2s17.vcf",
        "cyp2c19_s2s17.vcf.gz",
        "cyp2c19_s2s17.plain.vcf.gz",
        "cyp2c19_s2s17.bcf",
        "cyp2c19_s2s17_grch37.vcf",
    ],
    ids=["plain", "bgzip", "gzip", "bcf", "grch37"],
)
def test_every_file_format_is_read_as_the_engine_reads_it(
    client: TestClient, cast: Cast, clinician: Headers, name: str
) -> None:
    response = upload(client, clinician, cast.home_patient_id, fixture(name))
    assert response.status_code == 201, response.text[:500]
    assert response.json()["build"] == ("GRCh37" if "grch37" in name else "GRCh38")
    assert genotypes(client, clinician, cast.home_patient_id)["CYP2C19"]["diplotype"] == "*2/*17"


def test_uploading_the_same_file_again_returns_the_stored_report(
    client: TestClient, cast: Cast, clinician: Headers, vcf: Path, engine: Engine
) -> None:
    first = upload(client, clinician, cast.home_patient_id, vcf)
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    again = upload(client, clinician, cast.home_patient_id, vcf)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before


def test_the_same_file_with_other_medicines_is_a_new_report(
    client: TestClient, cast: Cast, clinician: Headers, vcf: Path
) -> None:
    first = upload(client, clinician, cast.home_patient_id, vcf)
    second = upload(client, clinician, cast.home_patient_id, vcf, meds="duloxetine")
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]
    cyp2d6 = second.json()["report"]["samples"][0]["genes"]["CYP2D6"]
    assert cyp2d6["phenoconverted_by"] == ["duloxetine"]
    listed = client.get(url(cast.home_patient_id, "/reports"), headers=clinician).json()
    assert [item["id"] for item in listed["items"]] == [second.json()["id"], first.json()["id"]]


def test_a_multi_sample_vcf_is_read_for_the_named_sample(
    client: TestClient, cast: Cast, clinician: Headers, tmp_path: Path
) -> None:
    path = tmp_path / "family.vcf"
    path.write_text(
        samples_vcf({"MOTHER": {Gene.CYP2C9: ("*1", "*3")}, "CHILD": {Gene.CYP2C9: ("*3", "*3")}})
    )
    response = upload(client, clinician, cast.home_patient_id, path, sample="CHILD")
    assert response.status_code == 201, response.text
    assert response.json()["sample_id"] == "CHILD"
    assert genotypes(client, clinician, cast.home_patient_id)["CYP2C9"]["diplotype"] == "*3/*3"


# Bad files: a problem naming what is wrong, nothing stored, nothing left on disk

BAD_FILES = {
    "truncated-gzip": ("truncated_gzip.vcf.gz", {}, "truncated"),
    "not-a-vcf": ("not_a_vcf.vcf", {}, "not a VCF file"),
    "no-gt-field": ("cyp2c9_no_gt.vcf", {}, "no GT field"),
    "unknown-sample": ("cyp2c9_multi_sample.vcf", {"sample": "NA12878"}, "unknown sample"),
    "conflicting-duplicates": ("cyp2c9_duplicate_conflict.vcf", {}, "conflicting records"),
    "several-samples-none-named": ("cyp2c9_multi_sample.vcf", {}, "more than one sample"),
}


@pytest.mark.parametrize(("name", "fields", "problem"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_naming_the_problem_and_nothing_is_stored(
    client: TestClient,
    cast: Cast,
    clinician: Headers,
    engine: Engine,
    settings: Settings,
    name: str,
    fields: dict[str, str],
    problem: str,
) -> None:
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    response = upload(client, clinician, cast.home_patient_id, fixture(name), **fields)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert problem in detail
    assert str(settings.upload_dir) not in detail  # the client's file name, not the spool path
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before
    assert spooled(settings) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"build": "hg19"}, "build"), ({"meds": "x" * 101}, "meds"), ({"colour": "red"}, "colour")],
    ids=["unknown-build", "overlong-medicine", "unexpected-field"],
)
def test_bad_options_are_refused_naming_the_field(
    client: TestClient,
    cast: Cast,
    clinician: Headers,
    vcf: Path,
    fields: dict[str, str],
    field: str,
) -> None:
    response = upload(client, clinician, cast.home_patient_id, vcf, **fields)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_an_upload_without_a_file_or_not_multipart_is_refused(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    target = url(cast.home_patient_id, "/vcf")
    no_file = client.post(target, files={"sample": (None, "S1")}, headers=clinician)
    assert no_file.status_code == 422
    assert no_file.json()["errors"][0]["field"] == "file"
    as_json = client.post(target, json={"file": "x"}, headers=clinician)
    assert as_json.status_code == 415


# Lab calls

LAB_TSV = "# from the lab\nCYP2D6\t*1/*2x2\nCYP2C19\t\tPoor Metabolizer\nHLA-B\t*57:01\n"


def test_lab_calls_sent_as_tsv_are_stored(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    response = client.post(
        url(cast.home_patient_id, "/lab-calls"),
        content=LAB_TSV.encode(),
        params={"filename": "lab.tsv"},
        headers={**clinician, "content-type": "text/plain"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["source_kind"] == "lab"
    rows = genotypes(client, clinician, cast.home_patient_id)
    assert (rows["CYP2D6"]["diplotype"], rows["CYP2D6"]["phenotype"]) == (
        "*1/*2x2",
        "Ultrarapid Metabolizer",
    )
    assert (rows["CYP2C19"]["diplotype"], rows["CYP2C19"]["phenotype"]) == (
        "not reported",
        "Poor Metabolizer",
    )
    assert {row["source"] for row in rows.values()} == {"lab"}
    assert "HLA-B" in " ".join(response.json()["report"]["samples"][0]["notes"])


def test_lab_calls_replace_only_their_genes(
    client: TestClient, cast: Cast, clinician: Headers, vcf: Path
) -> None:
    upload(client, clinician, cast.home_patient_id, vcf)
    body = {"calls": [{"gene": "CYP2D6", "diplotype": "*4/*5", "activity_score": 0}]}
    response = client.post(url(cast.home_patient_id, "/lab-calls"), json=body, headers=clinician)
    assert response.status_code == 201, response.text
    rows = genotypes(client, clinician, cast.home_patient_id)
    assert (rows["CYP2D6"]["diplotype"], rows["CYP2D6"]["source"]) == ("*4/*5", "lab")
    assert (rows["CYP2C19"]["diplotype"], rows["CYP2C19"]["source"]) == ("*2/*17", "vcf")


def test_a_later_vcf_keeps_the_lab_call_on_the_record(
    client: TestClient, cast: Cast, clinician: Headers, vcf: Path
) -> None:
    """A lab sees CYP2D6 copy number; a VCF call must not quietly replace it."""
    body = {"calls": [{"gene": "CYP2D6", "diplotype": "*1/*2x2"}]}
    client.post(url(cast.home_patient_id, "/lab-calls"), json=body, headers=clinician)
    response = upload(client, clinician, cast.home_patient_id, vcf)
    assert response.status_code == 201, response.text[:500]
    rows = genotypes(client, clinician, cast.home_patient_id)
    assert (rows["CYP2D6"]["diplotype"], rows["CYP2D6"]["source"]) == ("*1/*2x2", "lab")
    assert rows["CYP2C19"]["diplotype"] == "*2/*17"
    notes = response.json()["report"]["samples"][0]["notes"]
    assert any("keeps its earlier lab calls (CYP2D6 *1/*2x2)" in note for note in notes)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"calls": [{"gene": "CYP2C19", "activity_score": 1}]}, "call 1: CYP2C19"),
        ({"calls": [{"gene": "HLA-B", "diplotype": "*57:01"}]}, "no gene painpath interprets"),
        ({"calls": [{"gene": "CYP2D6\tCYP2C9"}]}, "calls.0.gene"),
    ],
    ids=["score-for-a-phenotype-gene", "no-interpreted-gene", "tab-in-a-cell"],
)
def test_bad_lab_calls_are_refused_and_nothing_is_stored(
    client: TestClient, cast: Cast, clinician: Headers, engine: Engine, body: Any, detail: str
) -> None:
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    response = client.post(url(cast.home_patient_id, "/lab-calls"), json=body, headers=clinician)
    assert response.status_code == 422, response.text[:500]
    assert detail in response.text
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before


# Who may upload


def test_a_foreign_patient_upload_is_refused_audited_and_never_read(
    app: FastAPI, client: TestClient, cast: Cast, clinician: Headers, vcf: Path, engine: Engine
) -> None:
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    response = upload(client, clinician, cast.foreign_patient_id, vcf)
    assert response.status_code == 403
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before
    with app.state.session_factory() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.patient_id == cast.foreign_patient_id)
        ).all()
    assert [(e.outcome, e.action, e.resource_type, e.user_id) for e in events] == [
        (AuditOutcome.denied.value, "create", "PgxReport", cast.user_ids["clinician"])
    ]


@pytest.mark.parametrize(("role", "status"), [("pharmacist", 201), ("patient", 403)])
def test_pharmacists_upload_genotypes_and_patients_do_not(
    client: TestClient, cast: Cast, vcf: Path, role: str, status: int
) -> None:
    response = upload(client, cast.headers(client, role), cast.home_patient_id, vcf)
    assert response.status_code == status, response.text


def test_a_report_of_another_patient_is_not_found_through_this_one(
    client: TestClient, cast: Cast, clinician: Headers, vcf: Path
) -> None:
    other = cast.headers(client, "other_clinician")
    foreign_report = upload(client, other, cast.foreign_patient_id, vcf).json()["id"]
    response = client.get(
        url(cast.home_patient_id, f"/reports/{foreign_report}"), headers=clinician
    )
    assert response.status_code == 404


# Today's advice


def prescribe(client: TestClient, headers: Headers, patient_id: int, rxnorm_code: str) -> None:
    body = medication_body(rxnorm_code=rxnorm_code, dose_unit="mg", as_needed=False)
    response = client.post(
        f"/api/patients/{patient_id}/medication-requests", json=body, headers=headers
    )
    assert response.status_code == 201, response.text


def test_the_current_view_phenoconverts_with_the_patients_own_medicines(
    client: TestClient, cast: Cast, clinician: Headers, tmp_path: Path
) -> None:
    normal = tmp_path / "normal.vcf"
    normal.write_text(diplotype_vcf({Gene.CYP2D6: ("*1", "*1")}))
    upload(client, clinician, cast.home_patient_id, normal)
    for code in (TRAMADOL_50_MG, DULOXETINE):
        prescribe(client, clinician, cast.home_patient_id, code)
    current = client.get(url(cast.home_patient_id), headers=clinician)
    assert current.status_code == 200, current.text
    view = current.json()
    assert view["drugs"] == ["tramadol"]
    assert view["genes"]["CYP2D6"]["phenotype"] == "Normal Metabolizer"
    assert view["genes"]["CYP2D6"]["phenoconverted_phenotype"] == "Intermediate Metabolizer"
    [by_cyp2d6] = [a for a in view["advice"]["tramadol"] if a["based_on"]["genes"] == ["CYP2D6"]]
    assert by_cyp2d6["based_on"]["phenoconverted_by"] == {"CYP2D6": ["duloxetine"]}
    assert by_cyp2d6["based_on"]["activity_scores"] == {"CYP2D6": "1.0"}
    assert view["latest_report"]["filename"] == "normal.vcf"


def test_the_current_view_without_medicines_gives_no_advice(
    client: TestClient, cast: Cast, clinician: Headers, vcf: Path
) -> None:
    upload(client, clinician, cast.home_patient_id, vcf)
    view = client.get(url(cast.home_patient_id), headers=clinician).json()
    assert (view["drugs"], view["advice"]) == ([], {})
    assert set(view["genes"]) == {"CYP2C19", "CYP2C9", "CYP2D6", "COMT", "OPRM1"}


# Size limits


@pytest.fixture
def small_upload_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """An app whose uploads may be 8 kB and other bodies 1 kB."""
    limited = settings.model_copy(update={"max_upload_bytes": 8000, "max_body_bytes": 1000})
    with TestClient(create_app(limited, engine=engine)) as limited_client:
        yield limited_client


def _multipart(content: bytes) -> tuple[bytes, str]:
    boundary = "painpath-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.vcf"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
def test_an_oversized_upload_is_refused_with_413_and_nothing_is_kept(
    small_upload_client: TestClient,
    cast: Cast,
    engine: Engine,
    settings: Settings,
    declared: bool,
) -> None:
    headers = cast.headers(small_upload_client, "clinician")
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    body, content_type = _multipart(b"#" * 20_000)
    content: Any = body if declared else iter([body[:6000], body[6000:12000], body[12000:]])
    response = small_upload_client.post(
        url(cast.home_patient_id, "/vcf"),
        content=content,
        headers={**headers, "content-type": content_type},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before
    assert spooled(settings) == []


def test_uploads_may_be_larger_than_other_bodies(
    small_upload_client: TestClient, cast: Cast, tmp_path: Path
) -> None:
    path = tmp_path / "cyp2c9.vcf"
    path.write_text(diplotype_vcf({Gene.CYP2C9: ("*1", "*2")}, genes=[Gene.CYP2C9]))
    assert 1000 < path.stat().st_size < 7500
    headers = cast.headers(small_upload_client, "clinician")
    response = upload(small_upload_client, headers, cast.home_patient_id, path)
    assert response.status_code == 201, response.text
    tsv = "CYP2C9\t*1/*2\n" + "#" * 1000
    lab = small_upload_client.post(
        url(cast.home_patient_id, "/lab-calls"),
        content=tsv.encode(),
        headers={**headers, "content-type": "text/plain"},
    )
    assert lab.status_code == 413
