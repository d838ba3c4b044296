"""The audit trail: one exact event per touch of patient data, kept even when the request fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from painpath.models import AuditEvent
from painpath.models.audit_event import AuditTrailIsAppendOnly
from tests.support.cohort import Cast
from tests.support.walk import (
    BOOKKEEPING_TABLES,
    Records,
    audit_events,
    condition_body,
    database_snapshot,
    medication_body,
    observation_body,
    seed_records,
    send,
)

P = "/api/patients/{patient_id}"
CONDITIONS, ORDERS, READINGS = f"{P}/conditions", f"{P}/medication-requests", f"{P}/observations"
CONDITION, ORDER = f"{CONDITIONS}/{{condition_id}}", f"{ORDERS}/{{request_id}}"
NEW = "new"  # the event names the row the request created


@pytest.fixture
def home(app: FastAPI, client: TestClient, cast: Cast) -> Records:
    headers = cast.headers(client, "clinician")
    return seed_records(client, headers, app.state.session_factory, cast.home_patient_id)


@pytest.fixture
def foreign(app: FastAPI, client: TestClient, cast: Cast) -> Records:
    headers = cast.headers(client, "other_clinician")
    return seed_records(client, headers, app.state.session_factory, cast.foreign_patient_id)


def _event_fields(event: AuditEvent) -> dict[str, Any]:
    names = ("user_id", "username", "role", "patient_id", "action", "resource_type")
    fields = {name: getattr(event, name) for name in names}
    return fields | {"resource_id": event.resource_id, "outcome": event.outcome}


@dataclass(frozen=True)
class Touch:
    """One request on the home patient's record, and the event it must leave."""

    role: str
    method: str
    url: str
    action: str
    resource_type: str
    #: Which row the event names: a kind of record in `Records.ids`, NEW, or None.
    resource: str | None = None
    body: Any = None
    status: int = 200


ORDER_TYPE = "MedicationRequest"
TEAM = {"name": "Weekend cover", "participant_user_ids": []}
RESOLVED = {"clinical_status": "resolved", "abatement_date": "2025-06-01"}
OPERATIONS = {
    "clinician-opens-the-chart": Touch("clinician", "GET", P, "read", "Patient"),
    "clinician-corrects-demographics": Touch(
        "clinician", "PATCH", P, "update", "Patient", body={"given_name": "Hanna"}
    ),
    "pharmacist-reads-care-teams": Touch(
        "pharmacist", "GET", f"{P}/care-teams", "read", "CareTeam"
    ),
    "admin-adds-a-care-team": Touch(
        "admin", "POST", f"{P}/care-teams", "create", "CareTeam", NEW, TEAM
    ),
    "admin-renames-a-care-team": Touch(
        "admin", "PUT", f"{P}/care-teams/{{team_id}}", "update", "CareTeam", "care_team", TEAM
    ),
    "pharmacist-reads-problems": Touch("pharmacist", "GET", CONDITIONS, "read", "Condition"),
    "clinician-diagnoses": Touch(
        "clinician", "POST", CONDITIONS, "create", "Condition", NEW, condition_body()
    ),
    "patient-reads-a-diagnosis": Touch(
        "patient", "GET", CONDITION, "read", "Condition", "condition"
    ),
    "clinician-resolves-a-diagnosis": Touch(
        "clinician", "PATCH", CONDITION, "update", "Condition", "condition", RESOLVED
    ),
    "pharmacist-reviews-a-prescription": Touch(
        "pharmacist", "GET", ORDER, "read", ORDER_TYPE, "medication_request"
    ),
    "clinician-prescribes": Touch(
        "clinician", "POST", ORDERS, "create", ORDER_TYPE, NEW, medication_body()
    ),
    "clinician-stops-a-prescription": Touch(
        "clinician",
        "PATCH",
        ORDER,
        "update",
        ORDER_TYPE,
        "medication_request",
        {"status": "stopped"},
    ),
    "patient-reports-pain": Touch(
        "patient", "POST", READINGS, "create", "Observation", NEW, observation_body()
    ),
    "clinician-reviews-pain-scores": Touch("clinician", "GET", READINGS, "read", "Observation"),
    "patient-reads-a-pain-score": Touch(
        "patient", "GET", f"{READINGS}/{{observation_id}}", "read", "Observation", "observation"
    ),
    "pharmacist-reads-pharmacogenes": Touch(
        "pharmacist", "GET", f"{P}/genotypes", "read", "GenotypeResult"
    ),
}


@pytest.mark.parametrize("touch", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_each_touch_of_the_record_writes_exactly_one_event(
    app: FastAPI, client: TestClient, cast: Cast, home: Records, touch: Touch
) -> None:
    headers = cast.headers(client, touch.role)
    path = home.fill(touch.url)
    response, request_id = send(client, touch.method, path, headers=headers, json=touch.body)
    assert response.status_code < 300, response.text
    resource = touch.resource
    resource_id = response.json()["id"] if resource == NEW else home.ids.get(resource or "")
    events = audit_events(app.state.session_factory, request_id)
    assert [_event_fields(event) for event in events] == [
        {
            "user_id": cast.user_ids[touch.role],
            "username": touch.role,
            "role": touch.role,
            "patient_id": home.patient_id,
            "action": touch.action,
            "resource_type": touch.resource_type,
            "resource_id": None if resource_id is None else str(resource_id),
            "outcome": "success",
        }
    ]
    assert (events[0].http_method, events[0].path) == (touch.method, path)


def test_patient_search_audits_each_patient_shown(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    headers = cast.headers(client, "clinician")
    response, request_id = send(client, "GET", "/api/patients?q=hana", headers=headers)
    assert [p["id"] for p in response.json()["items"]] == [cast.home_patient_id]
    events = audit_events(app.state.session_factory, request_id)
    assert [(e.action, e.resource_type, e.patient_id, e.resource_id) for e in events] == [
        ("search", "Patient", cast.home_patient_id, str(cast.home_patient_id))
    ]


FAILURES = {
    "diagnosis-dated-before-birth": Touch(
        "clinician",
        "POST",
        CONDITIONS,
        "create",
        "Condition",
        body=condition_body(onset_date="1960-01-01"),
        status=422,
    ),
    "diagnosis-with-an-impossible-code": Touch(
        "clinician",
        "POST",
        CONDITIONS,
        "create",
        "Condition",
        body=condition_body(code="99"),
        status=422,
    ),
    "prescription-stopped-before-it-started": Touch(
        "clinician",
        "PATCH",
        ORDER,
        "update",
        ORDER_TYPE,
        "request_id",
        {"end_date": "2025-01-01"},
        status=422,
    ),
    "foreign-condition-probed-through-own-patient": Touch(
        "clinician",
        "GET",
        f"{CONDITIONS}/{{foreign_condition}}",
        "read",
        "Condition",
        "foreign_condition",
        status=404,
    ),
    "foreign-care-team-edited-through-home-patient": Touch(
        "admin",
        "PUT",
        f"{P}/care-teams/{{foreign_team}}",
        "update",
        "CareTeam",
        "foreign_team",
        TEAM,
        status=404,
    ),
}


@pytest.mark.parametrize("touch", FAILURES.values(), ids=FAILURES.keys())
def test_a_failed_request_leaves_a_failure_event_and_no_data(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    cast: Cast,
    home: Records,
    foreign: Records,
    touch: Touch,
) -> None:
    headers = cast.headers(client, touch.role)
    ids = {
        "request_id": home.ids["medication_request"],
        "foreign_condition": foreign.ids["condition"],
        "foreign_team": foreign.ids["care_team"],
    }
    path = touch.url.format(patient_id=home.patient_id, **ids)
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    response, request_id = send(client, touch.method, path, headers=headers, json=touch.body)
    assert response.status_code == touch.status, response.text
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before
    events = audit_events(app.state.session_factory, request_id)
    assert [(e.user_id, e.patient_id, e.action, e.resource_type, e.outcome) for e in events] == [
        (cast.user_ids[touch.role], home.patient_id, touch.action, touch.resource_type, "failure")
    ]
    assert events[0].resource_id == (str(ids[touch.resource]) if touch.resource else None)
    assert events[0].detail


def test_a_refused_prescription_is_audited_as_denied(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    headers = cast.headers(client, "pharmacist")
    url = f"/api/patients/{cast.home_patient_id}/medication-requests"
    response, request_id = send(client, "POST", url, headers=headers, json=medication_body())
    assert response.status_code == 403
    events = audit_events(app.state.session_factory, request_id)
    assert [(e.role, e.patient_id, e.action, e.resource_type, e.outcome) for e in events] == [
        ("pharmacist", cast.home_patient_id, "create", ORDER_TYPE, "denied")
    ]


def _some_event(client: TestClient, cast: Cast) -> None:
    headers = cast.headers(client, "clinician")
    assert client.get(f"/api/patients/{cast.home_patient_id}", headers=headers).status_code == 200


@pytest.mark.parametrize("change", ["update", "delete"])
def test_audit_rows_cannot_be_changed_through_the_orm(
    app: FastAPI, client: TestClient, cast: Cast, change: str
) -> None:
    _some_event(client, cast)
    with app.state.session_factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "read")).one()
        if change == "update":
            event.outcome = "denied"
        else:
            session.delete(event)
        with pytest.raises(AuditTrailIsAppendOnly):
            session.flush()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET outcome = 'denied', username = 'nobody'", "DELETE FROM audit_events"],
    ids=["update", "delete"],
)
def test_database_refuses_raw_sql_that_changes_audit_rows(
    client: TestClient, engine: Engine, cast: Cast, statement: str
) -> None:
    _some_event(client, cast)
    before = database_snapshot(engine)["audit_events"]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    assert database_snapshot(engine)["audit_events"] == before
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditEvent)) == len(before)


@pytest.mark.parametrize(("role", "status"), [("clinician", 403), ("pharmacist", 403),
                                              ("patient", 403), ("admin", 200)])  # fmt: skip
def test_only_admins_read_the_audit_trail(
    client: TestClient, cast: Cast, role: str, status: int
) -> None:
    _some_event(client, cast)
    params: dict[str, str | int] = {"patient_id": cast.home_patient_id, "outcome": "success"}
    response = client.get("/api/audit-events", params=params, headers=cast.headers(client, role))
    assert response.status_code == status
    if status == 200:
        items = response.json()["items"]
        assert [(e["username"], e["action"], e["resource_type"]) for e in items] == [
            ("clinician", "read", "Patient")
        ]


def test_an_oversized_child_id_is_denied_and_audited_on_every_database(
    client: TestClient, cast: Cast, app: FastAPI
) -> None:
    headers = cast.headers(client, "clinician")
    url = f"/api/patients/{cast.foreign_patient_id}/conditions/{'9' * 70}"
    response = client.get(url, headers=headers)
    assert response.status_code in (403, 422)
    with app.state.session_factory() as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.patient_id == cast.foreign_patient_id,
                AuditEvent.outcome == "denied",
            )
        ).all()
    assert len(denied) == 1
    assert denied[0].resource_id is None


def _commit_a_duplicate_patient(app: FastAPI, cast: Cast) -> None:
    from painpath import audit
    from painpath.auth.actor import Actor
    from painpath.models import Patient, Role
    from painpath.services.transaction import unit_of_work

    actor = Actor(cast.user_ids["clinician"], "clinician", Role.clinician)
    with unit_of_work(app.state.session_factory) as session:
        audit.record(
            session,
            actor=actor,
            action="create",
            resource_type="Patient",
            patient_id=cast.home_patient_id,
        )
        original = session.get(Patient, cast.home_patient_id)
        assert original is not None
        session.add(
            Patient(
                mrn=original.mrn,  # the MRN is unique: the commit's flush fails
                given_name="Copy",
                family_name="Copy",
                birth_date=original.birth_date,
                gender=original.gender,
            )
        )


def test_audit_events_survive_a_commit_that_fails(app: FastAPI, cast: Cast) -> None:
    with pytest.raises(IntegrityError):
        _commit_a_duplicate_patient(app, cast)
    with app.state.session_factory() as session:
        kept = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "Patient")
        ).all()
    assert [event.outcome for event in kept] == ["failure"]
