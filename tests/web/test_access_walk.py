"""Walk every route the app serves, as every role, and prove no one reaches a stranger's record.

The route list comes from the app, so routes added later (the UI too) are walked without
edits here; `KNOWN_*` only guards against a walk that silently visits nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from painpath.config import Environment, Settings
from painpath.models import Patient
from painpath.web.app import create_app
from painpath.web.deps import ActorDep, SessionDep
from tests.support.cohort import Cast
from tests.support.walk import (
    WALK_ROLES,
    Caller,
    Records,
    endpoints,
    passes_gate_unscoped,
    seed_records,
    sign_in,
    walk_anonymous,
    walk_foreign_patient,
    walk_listings,
)

PATIENT = "/api/patients/{patient_id}"
KNOWN_PATIENT_ROUTES = {
    f"GET {PATIENT}",
    f"PATCH {PATIENT}",
    f"GET {PATIENT}/care-teams",
    f"POST {PATIENT}/care-teams",
    f"PUT {PATIENT}/care-teams/{{team_id}}",
    f"GET {PATIENT}/conditions",
    f"POST {PATIENT}/conditions",
    f"GET {PATIENT}/conditions/{{condition_id}}",
    f"PATCH {PATIENT}/conditions/{{condition_id}}",
    f"GET {PATIENT}/medication-requests",
    f"POST {PATIENT}/medication-requests",
    f"GET {PATIENT}/medication-requests/{{request_id}}",
    f"PATCH {PATIENT}/medication-requests/{{request_id}}",
    f"GET {PATIENT}/observations",
    f"POST {PATIENT}/observations",
    f"GET {PATIENT}/observations/{{observation_id}}",
    f"GET {PATIENT}/genotypes",
    f"GET {PATIENT}/adherence",
    f"GET {PATIENT}/alert-thresholds",
    f"PUT {PATIENT}/alert-thresholds",
    f"GET {PATIENT}/care-plan",
    f"POST {PATIENT}/care-plan",
    f"PATCH {PATIENT}/care-plan",
    f"GET {PATIENT}/care-plan/fhir",
    f"POST {PATIENT}/care-plan/goals",
    f"PATCH {PATIENT}/care-plan/goals/{{goal_id}}",
    f"POST {PATIENT}/care-plan/activities",
    f"PATCH {PATIENT}/care-plan/activities/{{activity_id}}",
    f"POST {PATIENT}/care-plan/activities/{{activity_id}}/sessions",
    f"PATCH {PATIENT}/care-plan/sessions/{{session_id}}",
    "GET /patients/{patient_id}/care",
    "POST /patients/{patient_id}/care/activities",
    "POST /patients/{patient_id}/care/sessions/{session_id}",
    f"GET {PATIENT}/therapies",
    f"POST {PATIENT}/therapies",
    f"GET {PATIENT}/therapies/{{course_id}}",
    f"POST {PATIENT}/therapies/{{course_id}}/checks",
    f"POST {PATIENT}/therapies/{{course_id}}/start",
    f"POST {PATIENT}/therapies/{{course_id}}/trial",
    f"POST {PATIENT}/therapies/{{course_id}}/trial/days",
    f"POST {PATIENT}/therapies/{{course_id}}/trial/evaluation",
    f"POST {PATIENT}/therapies/{{course_id}}/implant",
    f"POST {PATIENT}/therapies/{{course_id}}/programs",
    f"POST {PATIENT}/therapies/{{course_id}}/status-acknowledgement",
    f"POST {PATIENT}/therapies/{{course_id}}/injections",
    f"POST {PATIENT}/therapies/{{course_id}}/assessments",
    f"POST {PATIENT}/therapies/{{course_id}}/end",
    "GET /patients/{patient_id}/therapies",
    "POST /patients/{patient_id}/therapies",
    "GET /patients/{patient_id}/therapies/{course_id}",
    "POST /patients/{patient_id}/therapies/{course_id}/checks",
    "POST /patients/{patient_id}/therapies/{course_id}/implant",
    "POST /patients/{patient_id}/therapies/{course_id}/injections",
    "POST /patients/{patient_id}/therapies/{course_id}/assessments",
    f"GET {PATIENT}/visit-slots",
    f"GET {PATIENT}/visits",
    f"POST {PATIENT}/visits",
    f"GET {PATIENT}/visits/{{visit_id}}",
    f"POST {PATIENT}/visits/{{visit_id}}/cancel",
    f"GET {PATIENT}/visits/{{visit_id}}/calendar.ics",
    f"PUT {PATIENT}/visits/{{visit_id}}/note",
    f"POST {PATIENT}/visits/{{visit_id}}/complete",
    f"GET {PATIENT}/visits/{{visit_id}}/fhir",
    f"GET {PATIENT}/message-threads",
    f"POST {PATIENT}/message-threads",
    f"GET {PATIENT}/message-threads/{{thread_id}}",
    f"POST {PATIENT}/message-threads/{{thread_id}}/messages",
    f"GET {PATIENT}/message-threads/{{thread_id}}/attachments/{{attachment_id}}",
    "GET /patients/{patient_id}/messages",
    "POST /patients/{patient_id}/messages",
    "GET /patients/{patient_id}/messages/{thread_id}",
    "POST /patients/{patient_id}/messages/{thread_id}",
}
KNOWN_OTHER_ROUTES = {
    "GET /api/patients",
    "POST /api/patients",
    "GET /api/users",
    "POST /api/users",
    "GET /api/users/{user_id}",
    "PATCH /api/users/{user_id}",
    "GET /api/audit-events",
    "GET /api/auth/me",
    "POST /api/auth/logout",
    "POST /api/auth/password",
    "POST /api/auth/password-reset",
    "POST /api/auth/reauthenticate",
    "GET /api/auth/mfa",
    "DELETE /api/auth/mfa",
    "POST /api/auth/mfa/enrollment",
    "POST /api/auth/mfa/enrollment/confirm",
    "POST /api/auth/mfa/verify",
    "POST /api/auth/mfa/recovery-codes",
    "POST /api/users/{user_id}/reset-code",
    "GET /login/mfa",
    "POST /login/mfa",
    "GET /account/security",
    "POST /account/mfa/enrollment",
    "POST /account/mfa/confirm",
    "POST /account/mfa/recovery-codes",
    "POST /account/reauthenticate",
    "POST /account/password",
    "GET /reset-password",
    "POST /reset-password",
    "POST /admin/users/{user_id}/reset-code",
    "GET /api/clinic/settings",
    "PUT /api/clinic/settings",
    "GET /api/me/availability",
    "PUT /api/me/availability",
    "POST /api/me/availability/exceptions",
    "DELETE /api/me/availability/exceptions/{exception_id}",
    "GET /api/me/visits",
    "GET /schedule",
    "GET /availability",
    "POST /availability",
    "GET /api/message-threads",
    "GET /api/message-threads/unread-count",
    "GET /messages",
}


@pytest.fixture
def foreign(app: FastAPI, client: TestClient, cast: Cast) -> Records:
    """The foreign patient, with a condition, a prescription, a pain score and a care team."""
    headers = cast.headers(client, "other_clinician")
    return seed_records(client, headers, app.state.session_factory, cast.foreign_patient_id)


@pytest.fixture(params=["bearer", "cookie"])
def credential(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def own_client(app: FastAPI) -> Iterator[TestClient]:
    """A second browser: its own cookie jar."""
    with TestClient(app) as browser:
        yield browser


@pytest.mark.parametrize("role", WALK_ROLES)
def test_no_role_reaches_a_patient_outside_their_care_team(
    app: FastAPI, own_client: TestClient, cast: Cast, foreign: Records, role: str, credential: str
) -> None:
    caller = sign_in(own_client, cast, role, credential=credential)
    visited: set[str] = set()
    findings = list(walk_foreign_patient(caller, app, foreign, visited))
    assert findings == []
    assert visited >= KNOWN_PATIENT_ROUTES


@pytest.mark.parametrize("role", WALK_ROLES)
def test_no_role_finds_the_foreign_patient_in_listings(
    app: FastAPI, client: TestClient, cast: Cast, foreign: Records, role: str
) -> None:
    caller = sign_in(client, cast, role, credential="bearer")
    assert list(walk_listings(caller, app, foreign)) == []


def test_every_route_but_the_public_ones_needs_credentials(
    app: FastAPI, client: TestClient, foreign: Records
) -> None:
    visited: set[str] = set()
    assert list(walk_anonymous(client, app, foreign, visited)) == []
    assert visited >= KNOWN_PATIENT_ROUTES | KNOWN_OTHER_ROUTES


def test_only_admins_manage_care_teams_of_patients_they_cannot_see() -> None:
    """The walk's one exemption: care-team management is unscoped, and only admins hold it."""
    app = create_app(Settings(environment=Environment.test, database_url="sqlite://"))
    exempt = {
        (role, str(endpoint))
        for endpoint in endpoints(app)
        for role in WALK_ROLES
        if passes_gate_unscoped(role, endpoint)
    }
    assert exempt == {
        ("admin", f"POST {PATIENT}/care-teams"),
        ("admin", f"PUT {PATIENT}/care-teams/{{team_id}}"),
    }


def _app_with_a_leak(settings: Settings, engine: Engine, *, signed_in: bool) -> FastAPI:
    """A fresh app plus one route that forgets `web.deps.access` (and maybe the actor too)."""
    leaky = create_app(settings, engine=engine)

    def patient_summary(session: SessionDep, patient_id: int) -> dict[str, Any]:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        return {"mrn": patient.mrn, "given_name": patient.given_name}

    if signed_in:

        @leaky.get("/api/patients/{patient_id}/summary")
        def summary(actor: ActorDep, session: SessionDep, patient_id: int) -> dict[str, Any]:
            return patient_summary(session, patient_id)
    else:

        @leaky.get("/api/patients/{patient_id}/summary")
        def open_summary(session: SessionDep, patient_id: int) -> dict[str, Any]:
            return patient_summary(session, patient_id)

    return leaky


def test_walk_reports_a_patient_route_without_an_access_check(
    settings: Settings, engine: Engine, cast: Cast, foreign: Records
) -> None:
    leaky = _app_with_a_leak(settings, engine, signed_in=True)
    with TestClient(leaky) as browser:
        caller: Caller = sign_in(browser, cast, "clinician", credential="bearer")
        findings = list(walk_foreign_patient(caller, leaky, foreign))
    where = "GET /api/patients/{patient_id}/summary as clinician"
    assert findings == [
        f"{where}: response shows ['AWAY-1', 'Farah']",
        f"{where}: answered 200, not 403",
        f"{where}: no denied audit event",
    ]


def test_walk_reports_a_route_open_to_anonymous_callers(
    settings: Settings, engine: Engine, foreign: Records
) -> None:
    leaky = _app_with_a_leak(settings, engine, signed_in=False)
    with TestClient(leaky) as browser:
        findings = list(walk_anonymous(browser, leaky, foreign))
    where = "GET /api/patients/{patient_id}/summary without credentials"
    assert findings == [f"{where}: response shows ['AWAY-1', 'Farah']", f"{where}: answered 200"]
