"""The monitoring routes are in the app's route table, so the access walk (tests/web) calls each
one as every role on a stranger's record, and their path ids are filled with real rows."""

from __future__ import annotations

from fastapi import FastAPI

from tests.support.walk import PARAM_KINDS, endpoints

P = "/api/patients/{patient_id}"
ASSIGNMENT = f"{P}/questionnaire-assignments/{{assignment_id}}"
MONITORING_ROUTES = {
    f"POST {P}/sync",
    f"GET {P}/sync/changes",
    f"GET {P}/pain-diary",
    f"POST {P}/pain-diary",
    f"GET {P}/pain-diary/{{entry_id}}",
    f"PATCH {P}/pain-diary/{{entry_id}}",
    f"DELETE {P}/pain-diary/{{entry_id}}",
    f"POST {P}/questionnaire-assignments",
    f"GET {P}/questionnaire-assignments",
    f"PATCH {ASSIGNMENT}",
    f"GET {ASSIGNMENT}/log",
    f"POST {ASSIGNMENT}/occurrences/{{occurrence}}/events",
    f"GET {P}/questionnaires/due",
    f"POST {P}/questionnaire-responses",
    f"GET {P}/questionnaire-responses",
    f"GET {P}/questionnaire-responses/{{response_id}}",
    f"GET {P}/alerts",
    f"POST {P}/alerts/{{alert_id}}/acknowledge",
    f"POST {P}/alerts/{{alert_id}}/resolve",
    f"POST {P}/monitoring-time",
    f"GET {P}/monitoring-time",
    f"GET {P}/monitoring-ledger",
    "GET /api/monitoring/alerts",
    "GET /api/monitoring/alerts/stream",
}


def test_every_monitoring_route_is_in_the_route_table(app: FastAPI) -> None:
    assert {str(endpoint) for endpoint in endpoints(app)} >= MONITORING_ROUTES


def test_the_walk_fills_monitoring_read_routes_with_real_rows(app: FastAPI) -> None:
    """GET routes need a real row to answer 200 to the care team (tests/web/test_access_grants);
    unsafe routes are refused before any row is looked up, so a placeholder id does."""
    reads = [e for e in endpoints(app) if str(e) in MONITORING_ROUTES and e.method == "GET"]
    unfilled = {p for e in reads for p in e.params if p != "patient_id" and p not in PARAM_KINDS}
    assert unfilled == set()
