"""The hot routes run their access gate, endpoint and commit in one worker-thread hop
(`painpath.web.hop`): the gate still answers before a bad parameter or body does, and every
request leaves the audit rows it left when the gate ran in a hop of its own."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.monitoring_api.conftest import Headers
from tests.support.cohort import Cast
from tests.support.walk import audit_events, send

FORGED = {"Authorization": "Bearer forged-bearer-token-0ne-h0p"}
#: A sync batch whose only item has no kind: refused by the body's validation.
BAD_BODY = {"batch_id": "one-hop-bad-body", "items": [{"client_id": "x"}]}


def _outcomes(app: FastAPI, request_id: str) -> list[tuple[str, str, str]]:
    events = audit_events(app.state.session_factory, request_id)
    return [(event.outcome, event.action, event.resource_type) for event in events]


def test_a_forged_token_is_refused_before_the_bad_body(
    app: FastAPI, client: TestClient, home: str
) -> None:
    response, request_id = send(client, "POST", f"{home}/sync", headers=FORGED, json=BAD_BODY)
    assert response.status_code == 401, response.text
    assert _outcomes(app, request_id) == [("denied", "create", "Request")]


def test_a_stranger_is_refused_before_the_bad_body(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    headers = cast.headers(client, "clinician")
    url = f"/api/patients/{cast.foreign_patient_id}/sync"
    response, request_id = send(client, "POST", url, headers=headers, json=BAD_BODY)
    assert response.status_code == 403, response.text
    assert _outcomes(app, request_id) == [("denied", "create", "SyncBatch")]


def test_an_admitted_bad_body_is_a_422_audited_as_a_failure(
    app: FastAPI, client: TestClient, patient: Headers, home: str
) -> None:
    response, request_id = send(client, "POST", f"{home}/sync", headers=patient, json=BAD_BODY)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"].startswith("items")
    assert _outcomes(app, request_id) == [("failure", "create", "SyncBatch")]


@pytest.mark.parametrize("listing", ["pain-diary", "observations", "medication-requests"])
def test_a_record_read_refuses_a_forged_token_before_a_bad_query(
    app: FastAPI, client: TestClient, home: str, listing: str
) -> None:
    url = f"{home}/{listing}?limit=0"
    response, request_id = send(client, "GET", url, headers=FORGED)
    assert response.status_code == 401, response.text
    assert _outcomes(app, request_id) == [("denied", "read", "Request")]


def test_a_record_read_answers_and_audits_in_one_hop(
    app: FastAPI, client: TestClient, patient: Headers, home: str
) -> None:
    response, request_id = send(client, "GET", f"{home}/pain-diary", headers=patient)
    assert response.status_code == 200, response.text
    assert _outcomes(app, request_id) == [("success", "read", "PainDiaryEntry")]


@pytest.mark.parametrize("panel", ["/api/patients", "/api/monitoring/alerts"])
@pytest.mark.parametrize("headers", [FORGED, {}], ids=["forged", "anonymous"])
def test_a_panel_load_refuses_the_caller_before_a_bad_query(
    app: FastAPI, client: TestClient, panel: str, headers: dict[str, str]
) -> None:
    response, request_id = send(client, "GET", f"{panel}?limit=0", headers=headers)
    assert response.status_code == 401, response.text
    assert _outcomes(app, request_id) == [("denied", "read", "Request")]


def test_a_panel_load_with_a_bad_query_is_a_422(client: TestClient, clinician: Headers) -> None:
    response = client.get("/api/patients?limit=0", headers=clinician)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "query.limit"
