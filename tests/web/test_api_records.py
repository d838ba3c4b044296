"""The record through the JSON API: patients, care teams, problems, prescriptions, readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.models import Observation
from tests.support.cohort import Cast
from tests.support.walk import (
    condition_body,
    medication_body,
    observation_body,
    patient_body,
)

Headers = dict[str, str]


@pytest.fixture
def clinician(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "clinician")


def _pages(client: TestClient, url: str, headers: Headers, limit: int) -> list[list[int]]:
    """Every page of a list endpoint, as lists of ids; checks `total` on the way."""
    pages, offset, total = [], 0, None
    while total is None or offset < total:
        response = client.get(url, params={"limit": limit, "offset": offset}, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["limit"], page["offset"]) == (limit, offset)
        total = total if total is not None else page["total"]
        assert page["total"] == total
        pages.append([item["id"] for item in page["items"]])
        offset += limit
    return pages


def test_clinician_registers_a_patient_and_joins_their_care_team(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    created = client.post("/api/patients", json=patient_body(), headers=clinician)
    assert created.status_code == 201, created.text
    patient = created.json()
    assert (patient["mrn"], patient["time_zone"], patient["active"]) == (
        "NEW-1",
        "America/Denver",
        True,
    )
    assert client.get(f"/api/patients/{patient['id']}", headers=clinician).json() == patient
    teams = client.get(f"/api/patients/{patient['id']}/care-teams", headers=clinician).json()
    assert [team["participant_user_ids"] for team in teams] == [[cast.user_ids["clinician"]]]


def test_a_taken_mrn_is_a_conflict(client: TestClient, clinician: Headers) -> None:
    response = client.post("/api/patients", json=patient_body(mrn="AWAY-1"), headers=clinician)
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "mrn", "message": response.json()["detail"]}]


def test_clinician_updates_demographics(client: TestClient, cast: Cast, clinician: Headers) -> None:
    url = f"/api/patients/{cast.home_patient_id}"
    changes = {"given_name": "Hanna", "time_zone": "Europe/Berlin"}
    response = client.patch(url, json=changes, headers=clinician)
    assert response.status_code == 200, response.text
    shown = client.get(url, headers=clinician).json()
    assert (shown["given_name"], shown["time_zone"], shown["mrn"]) == (
        "Hanna",
        "Europe/Berlin",
        "HOME-1",
    )


@pytest.fixture
def panel(client: TestClient, clinician: Headers) -> None:
    """Four more patients on the clinician's panel: NEW-1 … NEW-4."""
    for number, name in enumerate(["Nadia", "Omar", "Priya", "Quinn"], start=1):
        body = patient_body(mrn=f"NEW-{number}", given_name=name)
        assert client.post("/api/patients", json=body, headers=clinician).status_code == 201


@pytest.mark.usefixtures("panel")
def test_patient_list_pages_through_the_whole_panel(client: TestClient, clinician: Headers) -> None:
    pages = _pages(client, "/api/patients", clinician, limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    every = [patient_id for page in pages for patient_id in page]
    assert len(set(every)) == 5


@pytest.mark.parametrize(
    ("search", "mrns"),
    [
        ("HOME-1", ["HOME-1"]),
        ("hana", ["HOME-1"]),
        ("PRIYA", ["NEW-3"]),
        ("new-", ["NEW-1", "NEW-2", "NEW-3", "NEW-4"]),
        ("away", []),
        ("farah", []),
    ],
    ids=["by-mrn", "by-given-name", "ignores-case", "by-mrn-prefix", "not-foreign-mrn", "nor-name"],
)
@pytest.mark.usefixtures("panel")
def test_patient_search_by_name_or_mrn_stays_in_the_panel(
    client: TestClient, clinician: Headers, search: str, mrns: list[str]
) -> None:
    response = client.get("/api/patients", params={"q": search}, headers=clinician)
    assert sorted(p["mrn"] for p in response.json()["items"]) == mrns
    assert response.json()["total"] == len(mrns)


def test_admin_adds_and_replaces_a_care_team(client: TestClient, cast: Cast) -> None:
    admin = cast.headers(client, "admin")
    url = f"/api/patients/{cast.home_patient_id}/care-teams"
    body = {"name": "Pain clinic", "participant_user_ids": [cast.user_ids["pharmacist"]] * 2}
    created = client.post(url, json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["participant_user_ids"] == [cast.user_ids["pharmacist"]]
    team_url = f"{url}/{created.json()['id']}"
    replaced = client.put(
        team_url, json={"name": "Pain clinic (paused)", "active": False}, headers=admin
    )
    assert (replaced.json()["active"], replaced.json()["participant_user_ids"]) == (False, [])
    teams = client.get(url, headers=cast.headers(client, "clinician")).json()
    assert [(team["name"], team["active"]) for team in teams] == [
        ("Home team", True),
        ("Pain clinic (paused)", False),
    ]


def test_patient_accounts_cannot_join_a_care_team(client: TestClient, cast: Cast) -> None:
    url = f"/api/patients/{cast.home_patient_id}/care-teams"
    body = {"name": "Peer support", "participant_user_ids": [cast.user_ids["other_patient"]]}
    response = client.post(url, json=body, headers=cast.headers(client, "admin"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "participant_user_ids"


RECORD_KINDS: dict[str, Callable[[int], dict[str, Any]]] = {
    "conditions": lambda n: condition_body(onset_date=f"2024-0{n}-01"),
    "medication-requests": lambda n: medication_body(start_date=f"2026-0{n}-01"),
    "observations": lambda n: observation_body(value=n, effective_at=f"2026-0{n}-01T08:00:00Z"),
}


@pytest.mark.parametrize("collection", RECORD_KINDS)
def test_records_are_created_read_and_listed_newest_first(
    client: TestClient, cast: Cast, clinician: Headers, collection: str
) -> None:
    url = f"/api/patients/{cast.home_patient_id}/{collection}"
    created = []
    for n in (1, 2, 3):
        response = client.post(url, json=RECORD_KINDS[collection](n), headers=clinician)
        assert response.status_code == 201, response.text
        assert response.json()["patient_id"] == cast.home_patient_id
        created.append(response.json())
    for record in created:
        assert client.get(f"{url}/{record['id']}", headers=clinician).json() == record
    pages = _pages(client, url, clinician, limit=2)
    assert pages == [[created[2]["id"], created[1]["id"]], [created[0]["id"]]]


def test_clinician_resolves_a_diagnosis(client: TestClient, cast: Cast, clinician: Headers) -> None:
    url = f"/api/patients/{cast.home_patient_id}/conditions"
    condition = client.post(url, json=condition_body(), headers=clinician).json()
    assert condition["code"] == "M54.50"
    changes = {"clinical_status": "resolved", "abatement_date": "2025-06-01"}
    updated = client.patch(f"{url}/{condition['id']}", json=changes, headers=clinician).json()
    assert (updated["clinical_status"], updated["abatement_date"]) == ("resolved", "2025-06-01")


def test_prescription_names_the_drug_and_prescriber_and_can_be_stopped(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    url = f"/api/patients/{cast.home_patient_id}/medication-requests"
    order = client.post(url, json=medication_body(), headers=clinician).json()
    assert (order["display"], order["prescriber_id"]) == ("oxycodone", cast.user_ids["clinician"])
    stop = {"status": "stopped", "end_date": "2026-01-08"}
    assert client.patch(f"{url}/{order['id']}", json=stop, headers=clinician).status_code == 200
    for status, expected in (("stopped", [order["id"]]), ("active", [])):
        listed = client.get(url, params={"status": status}, headers=clinician).json()
        assert [item["id"] for item in listed["items"]] == expected


def test_pain_scores_filter_by_code_and_time(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    url = f"/api/patients/{cast.home_patient_id}/observations"
    for n in (1, 2, 3):
        body = RECORD_KINDS["observations"](n)
        assert client.post(url, json=body, headers=clinician).status_code == 201
    heart_rate = observation_body(
        category="vital-signs", loinc_code="8867-4", display="Heart rate", value=64, unit="/min"
    )
    assert client.post(url, json=heart_rate, headers=clinician).status_code == 201
    params = {"code": "72514-3", "since": "2026-02-01T00:00:00Z", "until": "2026-03-01T00:00:00Z"}
    listed = client.get(url, params=params, headers=clinician).json()
    assert [item["value"] for item in listed["items"]] == [2]


def _observation_count(app: FastAPI) -> int:
    with app.state.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Observation)) or 0


def test_a_resent_reading_is_stored_once(app: FastAPI, client: TestClient, cast: Cast) -> None:
    patient = cast.headers(client, "patient")
    url = f"/api/patients/{cast.home_patient_id}/observations"
    first = client.post(url, json=observation_body(client_id="watch-42"), headers=patient)
    again = client.post(url, json=observation_body(client_id="watch-42", value=9), headers=patient)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()  # the stored reading, not the resent one
    other = client.post(url, json=observation_body(client_id="watch-43"), headers=patient)
    assert other.status_code == 201
    assert _observation_count(app) == 2


def test_the_same_client_id_from_two_patients_is_two_readings(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    body = observation_body(client_id="diary-2026-01-31")
    for username, patient_id in (
        ("patient", cast.home_patient_id),
        ("other_patient", cast.foreign_patient_id),
    ):
        url = f"/api/patients/{patient_id}/observations"
        response = client.post(url, json=body, headers=cast.headers(client, username))
        assert response.status_code == 201
    assert _observation_count(app) == 2
