"""The positive half of access control: each role can do its job, and no more, in its own team."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.cohort import Cast
from tests.support.walk import (
    Records,
    condition_body,
    endpoints,
    medication_body,
    observation_body,
    seed_records,
)


@pytest.fixture
def home(app: FastAPI, client: TestClient, cast: Cast) -> Records:
    """The home patient, with a condition, a prescription, a pain score and a care team."""
    headers = cast.headers(client, "clinician")
    return seed_records(client, headers, app.state.session_factory, cast.home_patient_id)


#: Query parameters a GET route needs to answer at all.
QUERIES = {"/api/patients/{patient_id}/visit-slots": {"first": "2026-01-05", "last": "2026-01-06"}}
#: Reads a role is refused by design (the role's permissions), with why.
REFUSED_BY_DESIGN = {
    # Booking visits is for patients and clinicians; pharmacists do not book.
    ("pharmacist", "GET /api/patients/{patient_id}/visit-slots"),
    # The pain summary is the clinician's and pharmacist's view; patients have their own pages.
    ("patient", "GET /api/patients/{patient_id}/pain-summary/charts"),
    # An administrator seated on the team (break-glass) reads the record, but not the
    # clinicians' pain summary, the patient's private messages, or visit booking.
    ("admin", "GET /api/patients/{patient_id}/pain-summary/charts"),
    ("admin", "GET /api/patients/{patient_id}/visit-slots"),
    ("admin", "GET /api/patients/{patient_id}/message-threads"),
    ("admin", "GET /api/patients/{patient_id}/message-threads/{thread_id}"),
}
#: Routes the seeded records have no row for (tested with their own rows elsewhere).
NOT_SEEDED = {
    # tests/messaging/test_messages_api.py uploads and downloads attachments.
    "GET /api/patients/{patient_id}/message-threads/{thread_id}/attachments/{attachment_id}",
}


def _read_statuses(
    client: TestClient, app: FastAPI, headers: dict[str, str], home: Records
) -> dict[str, int]:
    """The status of every GET API route on the home patient's record."""
    routes = [e for e in endpoints(app) if e.is_api and e.is_patient_scoped and e.method == "GET"]
    assert len(routes) >= 9  # patient, care teams, genotypes; three lists and items
    return {
        str(e): client.get(
            home.fill(e.path), params=QUERIES.get(e.path, {}), headers=headers
        ).status_code
        for e in routes
        if str(e) not in NOT_SEEDED
    }


@pytest.mark.parametrize("role", ["clinician", "pharmacist", "patient"])
def test_care_team_and_patient_read_every_part_of_the_record(
    app: FastAPI, client: TestClient, cast: Cast, home: Records, role: str
) -> None:
    statuses = _read_statuses(client, app, cast.headers(client, role), home)
    refused = {route for (who, route) in REFUSED_BY_DESIGN if who == role}
    assert {route: status for route, status in statuses.items() if route in refused} == {
        route: 403 for route in refused
    }
    others = {route: status for route, status in statuses.items() if route not in refused}
    assert set(others.values()) == {200}, others


@pytest.mark.parametrize("role", ["clinician", "pharmacist", "patient"])
def test_lists_show_only_the_callers_own_patients(
    client: TestClient, cast: Cast, role: str
) -> None:
    response = client.get("/api/patients", headers=cast.headers(client, role))
    assert response.status_code == 200
    assert [p["mrn"] for p in response.json()["items"]] == ["HOME-1"]


def test_admin_reads_no_clinical_data_without_a_care_team_seat(
    app: FastAPI, client: TestClient, cast: Cast, home: Records
) -> None:
    headers = cast.headers(client, "admin")
    statuses = _read_statuses(client, app, headers, home)
    assert set(statuses.values()) == {403}, statuses
    assert client.get("/api/patients", headers=headers).json()["items"] == []


def test_admin_added_to_the_care_team_reads_the_record(
    app: FastAPI, client: TestClient, cast: Cast, home: Records
) -> None:
    headers = cast.headers(client, "admin")
    team = {
        "name": "Home team",
        "participant_user_ids": [cast.user_ids[r] for r in ("clinician", "pharmacist", "admin")],
        # Seating oneself is break-glass access (tests/web/test_security_findings.py).
        "break_glass_reason": "Covering the clinic's records audit, ticket 12",
    }
    url = f"/api/patients/{home.patient_id}/care-teams/{home.ids['care_team']}"
    response = client.put(url, json=team, headers=headers)
    assert response.status_code == 200, response.text
    assert cast.user_ids["admin"] in response.json()["participant_user_ids"]
    statuses = _read_statuses(client, app, headers, home)
    refused = {route for (who, route) in REFUSED_BY_DESIGN if who == "admin"}
    assert {route: status for route, status in statuses.items() if route in refused} == {
        route: 403 for route in refused
    }
    others = {route: status for route, status in statuses.items() if route not in refused}
    assert set(others.values()) == {200}, others
    listed = client.get("/api/patients", headers=headers).json()["items"]
    assert [p["mrn"] for p in listed] == ["HOME-1"]


def test_an_inactive_care_team_grants_no_access(
    client: TestClient, cast: Cast, home: Records
) -> None:
    url = f"/api/patients/{home.patient_id}/care-teams/{home.ids['care_team']}"
    team = {
        "name": "Home team",
        "active": False,
        "participant_user_ids": [cast.user_ids["clinician"]],
    }
    response = client.put(url, json=team, headers=cast.headers(client, "admin"))
    assert response.status_code == 200, response.text
    response = client.get(
        f"/api/patients/{home.patient_id}", headers=cast.headers(client, "clinician")
    )
    assert response.status_code == 403


def test_admin_manages_user_accounts(client: TestClient, cast: Cast) -> None:
    headers = cast.headers(client, "admin")
    new_user = {
        "username": "locum.pharmacist",
        "display_name": "Locum Pharmacist",
        "role": "pharmacist",
    }
    created = client.post("/api/users", json=new_user, headers=headers)
    assert created.status_code == 201, created.text
    url = f"/api/users/{created.json()['id']}"
    renamed = client.patch(url, json={"display_name": "Locum Pharm"}, headers=headers)
    assert renamed.json()["display_name"] == "Locum Pharm"
    listed = client.get("/api/users", params={"role": "pharmacist"}, headers=headers).json()
    assert {u["username"] for u in listed["items"]} == {"pharmacist", "locum.pharmacist"}


@pytest.mark.parametrize("role", ["clinician", "pharmacist", "patient"])
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/users", None),
        (
            "POST",
            "/api/users",
            {"username": "x.y.z", "display_name": "X", "role": "admin"},
        ),
        ("PATCH", "/api/users/{clinician}", {"is_active": False}),
        ("POST", "/api/patients/{home}/care-teams", {"name": "Shadow team"}),
    ],
    ids=["list-users", "create-user", "deactivate-user", "create-care-team"],
)
def test_only_admins_manage_accounts_and_care_teams(
    client: TestClient, cast: Cast, role: str, method: str, url: str, body: Any
) -> None:
    url = url.format(clinician=cast.user_ids["clinician"], home=cast.home_patient_id)
    response = client.request(method, url, json=body, headers=cast.headers(client, role))
    assert response.status_code == 403


WRITES = {
    "conditions": condition_body(),
    "medication-requests": medication_body(),
    "observations": observation_body(),
}


@pytest.mark.parametrize(
    ("role", "collection", "status"),
    [
        ("pharmacist", "medication-requests", 403),
        ("pharmacist", "conditions", 403),
        ("pharmacist", "observations", 201),
        ("patient", "conditions", 403),
        ("patient", "medication-requests", 403),
        ("patient", "observations", 201),
        ("clinician", "conditions", 201),
        ("clinician", "medication-requests", 201),
    ],
    ids=[
        "pharmacist-cannot-prescribe",
        "pharmacist-cannot-diagnose",
        "pharmacist-records-a-reading",
        "patient-cannot-diagnose",
        "patient-cannot-prescribe",
        "patient-reports-their-own-pain-score",
        "clinician-diagnoses",
        "clinician-prescribes",
    ],
)
def test_who_writes_to_the_record(
    client: TestClient, cast: Cast, role: str, collection: str, status: int
) -> None:
    url = f"/api/patients/{cast.home_patient_id}/{collection}"
    response = client.post(url, json=WRITES[collection], headers=cast.headers(client, role))
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("collection", "kind", "change"),
    [
        ("medication-requests", "medication_request", {"status": "stopped"}),
        ("conditions", "condition", {"clinical_status": "resolved"}),
    ],
    ids=["pharmacist-cannot-stop-a-prescription", "pharmacist-cannot-resolve-a-diagnosis"],
)
def test_pharmacist_cannot_change_orders_or_diagnoses(
    client: TestClient, cast: Cast, home: Records, collection: str, kind: str, change: Any
) -> None:
    url = f"/api/patients/{home.patient_id}/{collection}/{home.ids[kind]}"
    response = client.patch(url, json=change, headers=cast.headers(client, "pharmacist"))
    assert response.status_code == 403
