"""The panel on SQLite and PostgreSQL: filters (open alerts, MME ≥ 50 / ≥ 90, overdue
questionnaires, no data for 3 days), the risk order, hostile query values refused naming the
field, and a fixed number of queries however many patients the panel holds (no N+1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from painpath.kit.clock import utcnow
from painpath.models import CareTeam, CareTeamParticipant, Patient
from painpath.models.alert import Alert, AlertSeverity
from painpath.models.enums import AdministrativeGender
from painpath.models.questionnaire_schedule import QuestionnaireAssignment, Recurrence
from painpath.services.transaction import unit_of_work
from tests.support.cohort import Cast
from tests.support.pain_summary_record import SummaryPatient, seed_summary_patient
from tests.web.test_ui_pages import sign_in


@pytest.fixture
def seeded(app: FastAPI, cast: Cast) -> SummaryPatient:
    seeded = seed_summary_patient(app.state.session_factory, cast)
    now = utcnow()
    with unit_of_work(app.state.session_factory) as session:
        session.add(
            Alert(
                patient_id=seeded.patient_id,
                rule_id="PHQ9_ITEM9",
                severity=AlertSeverity.urgent,
                dedup_key="panel-test",
                active_key="panel-test",
                title="PHQ-9 item 9 positive",
                message="synthetic",
                evidence={},
            )
        )
        # The home patient has had a daily PHQ-2 for three days and answered none of them.
        session.add(
            QuestionnaireAssignment(
                patient_id=cast.home_patient_id,
                instrument="phq-2",
                recurrence=Recurrence.daily,
                interval_days=1,
                starts_at=now - timedelta(days=3),
                window_minutes=60,
                created_at=now - timedelta(days=3, minutes=5),
            )
        )
    return seeded


def mrns(html: str) -> list[str]:
    return re.findall(r'data-panel-patient="([^"]+)"', html)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["SUM-1", "HOME-1"]),  # risk: the urgent alert and 90 MME/day come first
        ("?sort=name", ["HOME-1", "SUM-1"]),  # Synthetic, Hana before Synthetic, Sumi
        ("?alerts=1", ["SUM-1"]),
        ("?mme=50", ["SUM-1"]),
        ("?mme=90", ["SUM-1"]),
        ("?overdue=1", ["HOME-1"]),
        ("?stale=1", ["HOME-1"]),  # the summary patient wrote in their diary yesterday
        ("?q=sumi&alerts=1&mme=90", ["SUM-1"]),
        ("?q=hana&alerts=1", []),
        ("?q=&mme=&sort=risk", ["SUM-1", "HOME-1"]),  # the form sent with nothing chosen
    ],
)
def test_filters_and_the_risk_order(
    client: TestClient, seeded: SummaryPatient, query: str, expected: list[str]
) -> None:
    sign_in(client, "clinician")
    response = client.get(f"/panel{query}")
    assert response.status_code == 200, response.text
    assert mrns(response.text) == expected
    if not expected:
        assert "with these filters" in response.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "evil"}, "sort"),
        ({"mme": "70"}, "mme"),
        ({"alerts": "maybe"}, "alerts"),
        ({"overdue": "2"}, "overdue"),
        ({"stale": "x" * 5000}, "stale"),
        ({"page": "0"}, "page"),
        ({"page": "9" * 50}, "page"),
        ({"q": "a" * 101}, "q"),
    ],
)
def test_hostile_panel_parameters_are_refused_naming_the_field(
    client: TestClient, seeded: SummaryPatient, params: dict[str, str], field: str
) -> None:
    sign_in(client, "clinician")
    response = client.get("/panel", params=params)
    assert response.status_code == 422
    assert f"Check: {field}." in response.text


@contextmanager
def counted_selects(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _more_patients(app: FastAPI, cast: Cast, count: int) -> None:
    with unit_of_work(app.state.session_factory) as session:
        for n in range(count):
            patient = Patient(
                mrn=f"MANY-{n}",
                given_name=f"Many{n}",
                family_name="Synthetic",
                birth_date=date(1975, 1, 1),
                gender=AdministrativeGender.other,
                time_zone="America/Chicago",
            )
            session.add(patient)
            session.flush()
            team = CareTeam(patient_id=patient.id, name="many")
            team.participants.append(CareTeamParticipant(user_id=cast.user_ids["clinician"]))
            session.add(team)


def test_the_panel_query_count_does_not_grow_with_the_panel(
    app: FastAPI, client: TestClient, cast: Cast, seeded: SummaryPatient
) -> None:
    sign_in(client, "clinician")
    client.get("/panel")  # warm caches (the formulary, sessions)
    with counted_selects(app) as small:
        assert client.get("/panel").status_code == 200
    _more_patients(app, cast, 15)
    with counted_selects(app) as large:
        response = client.get("/panel")
    assert response.status_code == 200
    assert len(mrns(response.text)) == 17
    assert len(large) == len(small), (len(small), len(large))
