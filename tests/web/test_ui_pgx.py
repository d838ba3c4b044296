"""The PGx pages: a patient's report list, each printable report, and today's advice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from scripts.make_pgx_vcf import diplotype_vcf
from sqlalchemy import select

from painpath.models import AuditEvent, AuditOutcome
from painpath.pgx.genes import Gene
from tests.support.cohort import PASSWORD, Cast

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, username: str) -> None:
    match = CSRF_FIELD.search(client.get("/login").text)
    assert match
    form = {"username": username, "password": PASSWORD, "csrf_token": match.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


@pytest.fixture
def report_id(client: TestClient, cast: Cast, tmp_path: Path) -> int:
    """The home patient's VCF report (CYP2D6 *1/*4), uploaded through the API."""
    path = tmp_path / "hana.vcf"
    path.write_text(diplotype_vcf({Gene.CYP2D6: ("*1", "*4")}))
    response = client.post(
        f"/api/patients/{cast.home_patient_id}/pgx/vcf",
        files={"file": (path.name, path.read_bytes())},
        headers=cast.headers(client, "clinician"),
    )
    assert response.status_code == 201, response.text[:500]
    return int(response.json()["id"])


def test_the_patient_page_links_to_the_pgx_reports(client: TestClient, cast: Cast) -> None:
    sign_in(client, "clinician")
    page = client.get(f"/patients/{cast.home_patient_id}")
    assert f'href="/patients/{cast.home_patient_id}/pgx"' in page.text


def test_the_report_list_links_each_printable_report(
    client: TestClient, cast: Cast, report_id: int
) -> None:
    sign_in(client, "pharmacist")
    page = client.get(f"/patients/{cast.home_patient_id}/pgx")
    assert page.status_code == 200
    assert f'href="/patients/{cast.home_patient_id}/pgx/reports/{report_id}"' in page.text
    assert "hana.vcf" in page.text
    assert f'href="/patients/{cast.home_patient_id}/pgx/current"' in page.text


def test_a_report_page_is_the_printable_report_and_is_audited(
    app: FastAPI, client: TestClient, cast: Cast, report_id: int
) -> None:
    sign_in(client, "clinician")
    page = client.get(f"/patients/{cast.home_patient_id}/pgx/reports/{report_id}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Pharmacogenomic report" in page.text
    assert "*1/*4" in page.text
    assert "<script" not in page.text
    with app.state.session_factory() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert (event.action, event.resource_type, event.resource_id) == (
        "read",
        "PgxReport",
        str(report_id),
    )


def test_the_patient_reads_their_own_current_advice(
    client: TestClient, cast: Cast, report_id: int
) -> None:
    sign_in(client, "patient")
    page = client.get(f"/patients/{cast.home_patient_id}/pgx/current")
    assert page.status_code == 200
    assert "CYP2D6" in page.text


def test_a_report_of_a_patient_outside_the_care_team_is_refused_and_audited(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    sign_in(client, "clinician")
    page = client.get(f"/patients/{cast.foreign_patient_id}/pgx/reports/1")
    assert page.status_code == 403
    assert "Farah" not in page.text
    with app.state.session_factory() as session:
        outcomes = session.scalars(
            select(AuditEvent.outcome).where(AuditEvent.patient_id == cast.foreign_patient_id)
        ).all()
    assert outcomes == [AuditOutcome.denied.value]


def test_a_missing_report_is_a_not_found_page(client: TestClient, cast: Cast) -> None:
    sign_in(client, "clinician")
    page = client.get(f"/patients/{cast.home_patient_id}/pgx/reports/999")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
