"""Walk the app's route table as each kind of caller and report every route that gives too much.

The walk reads the routes from the app itself (`fastapi.routing.iter_route_contexts`), so a
route added anywhere — API or UI — is walked without editing a list here. Path parameters are
filled with ids of real rows of the patient under test (`Records`); unknown ones get 1.

Rules the checkers apply, in the clinic's words:
- A caller with no seat on a patient's care team (and not that patient) gets 403 from every
  `{patient_id}` route, sees none of the patient's identifying data, and leaves a `denied`
  audit event naming the patient and the caller. Exception: a route guarded by a permission in
  `services.access.UNSCOPED_PERMISSIONS` (care-team management, for admins) lets the caller
  past the gate; it must still show nothing of the patient.
- Requests carry what a real client of the route sends: unsafe API calls a JSON body `{}`
  (plus the X-CSRF-Token header in a cookie session); UI form posts (paths outside /api) a
  form holding only the session's `csrf_token`. UI forms take cookie sessions only, so a
  bearer caller posting one may instead be sent to log in.
- A caller with no credentials gets 401 — or, on a UI page (a path outside /api), a redirect
  to a login page (Location ending in /login). Public: `PUBLIC_PATHS`, plus any path whose
  anonymous GET answers with an HTML page holding a password field (a login page) — every
  method on that path is then public, because a login form posts back to its own page.
- Static file mounts are skipped; any other mount is reported, because the walk cannot see in.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles

from painpath.auth.permissions import Permission, has_permission
from painpath.db.base import Base
from painpath.models import (
    AuditEvent,
    AuditOutcome,
    CareTeam,
    CareTeamParticipant,
    Role,
    User,
    Visit,
)
from painpath.services.access import UNSCOPED_PERMISSIONS
from tests.support.cohort import PASSWORD, Cast

PUBLIC_PATHS = frozenset(
    {"/health", "/favicon.ico", "/docs", "/docs/oauth2-redirect", "/openapi.json"}
    | {"/api/auth/login", "/api/auth/token", "/api/auth/password-reset"}
    # The patient app's manifest and service worker: browsers fetch them without credentials.
    | {"/app/manifest.webmanifest", "/app/sw.js"}
)
#: Public for one method only: CDS Hooks discovery (the spec makes it public). The hook calls and
#: feedback under /cds-services authenticate a CDS client's JWT, not a user, and refuse with 401.
PUBLIC_ENDPOINTS = frozenset({"GET /cds-services"})
#: The foreign patient's MRN and given name (tests/support/cohort.py).
FOREIGN_MRN, FOREIGN_NAME = "AWAY-1", "Farah"
WALK_ROLES = ("clinician", "pharmacist", "admin", "patient")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Path parameter → the kind of record whose id fills it.
PARAM_KINDS = {
    "team_id": "care_team",
    "care_team_id": "care_team",
    "condition_id": "condition",
    "request_id": "medication_request",
    "medication_request_id": "medication_request",
    "observation_id": "observation",
    "report_id": "pgx_report",
    "user_id": "user",
    "entry_id": "pain_diary_entry",
    "assignment_id": "questionnaire_assignment",
    "response_id": "questionnaire_response",
    "goal_id": "care_plan_goal",
    "activity_id": "care_plan_activity",
    "session_id": "care_plan_session",
    "course_id": "therapy_course",
    "visit_id": "visit",
    "thread_id": "message_thread",
    "attachment_id": "message_attachment",
}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    route: BaseRoute = field(compare=False, repr=False)

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def is_patient_scoped(self) -> bool:
        return "patient_id" in self.params

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (method, path) the app answers; HEAD and OPTIONS mirror other methods."""
    found = []
    for context in iter_route_contexts(app.routes):
        for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Endpoint(method, str(context.path), context.original_route))
    return found


def unwalkable_routes(app: FastAPI) -> list[str]:
    """Mounted apps other than static files: routes inside them would escape the walk."""
    return [
        str(context.path)
        for context in iter_route_contexts(app.routes)
        if not context.methods and not isinstance(getattr(context, "app", None), StaticFiles)
    ]


def guard_permissions(route: BaseRoute) -> set[Permission]:
    """The permissions `web.deps.access(...)` (and `hop_access(...)`) dependencies of this
    route check."""
    found: set[Permission] = set()
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        call = dependant.call
        if getattr(call, "__qualname__", "").startswith("hop_access."):
            call = inspect.getclosurevars(call).nonlocals["gate"]  # deferred to the one hop
        if getattr(call, "__qualname__", "").startswith("patient_access."):
            found.add(inspect.getclosurevars(call).nonlocals["permission"])
        pending.extend(dependant.dependencies)
    return found


def passes_gate_unscoped(role: str, endpoint: Endpoint) -> bool:
    return any(
        permission in UNSCOPED_PERMISSIONS and has_permission(Role(role), permission)
        for permission in guard_permissions(endpoint.route)
    )


@dataclass
class Records:
    """One patient's rows, by kind, for filling path parameters."""

    patient_id: int
    ids: dict[str, int]

    def fill(self, template: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "patient_id":
                return str(self.patient_id)
            return str(self.ids.get(PARAM_KINDS.get(name, ""), 1))

        return _PARAM.sub(value, template)


def condition_body(**changes: Any) -> dict[str, Any]:
    body = {
        "code_system": "http://hl7.org/fhir/sid/icd-10-cm",
        "code": "M54.50",
        "display": "Low back pain, unspecified",
        "onset_date": "2024-03-01",
    }
    return body | changes


def medication_body(**changes: Any) -> dict[str, Any]:
    body = {
        "rxnorm_code": "7804",
        "dose_value": 5,
        "dose_unit": "mg",
        "frequency": 4,
        "period": 1,
        "period_unit": "d",
        "as_needed": True,
        "start_date": "2026-01-05",
        "days_supply": 7,
    }
    return body | changes


def observation_body(**changes: Any) -> dict[str, Any]:
    body = {
        "category": "survey",
        "loinc_code": "72514-3",
        "display": "Pain severity 0-10 verbal numeric rating",
        "value": 6,
        "unit": "{score}",
        "effective_at": "2026-01-31T08:00:00-06:00",
        "source_device": "diary",
    }
    return body | changes


def patient_body(**changes: Any) -> dict[str, Any]:
    body = {
        "mrn": "NEW-1",
        "given_name": "Nadia",
        "family_name": "Synthetic",
        "birth_date": "1980-02-29",
        "gender": "female",
        "time_zone": "America/Denver",
    }
    return body | changes


def lab_calls_body(**changes: Any) -> dict[str, Any]:
    body = {"calls": [{"gene": "CYP2D6", "diplotype": "*1/*4"}], "filename": "lab.tsv"}
    return body | changes


def pain_diary_body(**changes: Any) -> dict[str, Any]:
    body = {
        "local_date": "2026-01-31",
        "pain": 6,
        "body_regions": ["lower-back", "hip-left"],
        "qualities": ["aching", "shooting"],
        "triggers": ["gardening"],
        "sleep_hours": 6.5,
        "sleep_quality": 5,
        "mood": 6,
        "notes": "Stiff in the morning",
    }
    return body | changes


def assignment_body(**changes: Any) -> dict[str, Any]:
    body = {
        "instrument": "phq-9",
        "recurrence": "weekly",
        "starts_at": "2026-01-05T09:00:00-06:00",
        "window_minutes": 2880,
        "reminder_minutes": [0, 240],
    }
    return body | changes


def questionnaire_response_body(**changes: Any) -> dict[str, Any]:
    body = {"instrument": "nrs", "answers": [6], "authored_at": "2026-01-31T08:00:00-06:00"}
    return body | changes


def message_thread_body(**changes: Any) -> dict[str, Any]:
    # Names the patient, so a listing that leaks the thread shows it.
    body = {"subject": "Farah: follow-up for AWAY-1", "body": "How is the new dose, Farah?"}
    return body | changes


def seed_records(
    client: TestClient,
    headers: Mapping[str, str],
    session_factory: sessionmaker[Session],
    patient_id: int,
) -> Records:
    """Give the patient a condition, a prescription, a pain score, a PGx report (lab calls), a
    pain-diary entry, a questionnaire assignment and a scored response, a care plan with a
    goal, an activity and its sessions, a therapy course and a message thread, as `headers`'
    user."""
    ids: dict[str, int] = {}
    for kind, collection, body in (
        ("condition", "conditions", condition_body()),
        ("medication_request", "medication-requests", medication_body()),
        ("observation", "observations", observation_body()),
        ("pgx_report", "pgx/lab-calls", lab_calls_body()),
        ("pain_diary_entry", "pain-diary", pain_diary_body()),
        ("questionnaire_assignment", "questionnaire-assignments", assignment_body()),
        ("questionnaire_response", "questionnaire-responses", questionnaire_response_body()),
        ("care_plan_goal", "care-plan/goals", {"kind": "peg_max", "start_date": "2026-01-05"}),
        ("care_plan_activity", "care-plan/activities", {"therapy": "cbt"}),
        ("message_thread", "message-threads", message_thread_body()),
    ):
        url = f"/api/patients/{patient_id}/{collection}"
        response = client.post(url, json=body, headers=dict(headers))
        assert response.status_code == 201, response.text
        ids[kind] = response.json()["id"]
    booked = client.post(
        f"/api/patients/{patient_id}/care-plan/activities/{ids['care_plan_activity']}/sessions",
        json={"template": "cbt_weekly", "first_day": "2026-01-06"},
        headers=dict(headers),
    )
    assert booked.status_code == 201, booked.text
    ids["care_plan_session"] = booked.json()[0]["id"]
    url = f"/api/patients/{patient_id}/therapies"
    response = client.post(url, json={"therapy": "tnf_inhibitor"}, headers=dict(headers))
    assert response.status_code == 201, response.text
    ids["therapy_course"] = response.json()["course"]["id"]
    with session_factory() as session:
        ids["care_team"] = (
            session.scalars(
                select(CareTeam.id).where(CareTeam.patient_id == patient_id).order_by(CareTeam.id)
            ).first()
            or 1
        )
        ids["user"] = session.scalar(select(User.id).where(User.patient_id == patient_id)) or 1
    ids["visit"] = seed_visit(session_factory, patient_id)
    return Records(patient_id=patient_id, ids=ids)


def seed_visit(session_factory: sessionmaker[Session], patient_id: int) -> int:
    """A booked video visit with a clinician of the patient's care team (written directly: the
    walk needs the row, not the clinician's availability)."""
    with session_factory.begin() as session:
        clinician_id = session.scalar(
            select(User.id)
            .join(CareTeamParticipant, CareTeamParticipant.user_id == User.id)
            .join(CareTeam, CareTeam.id == CareTeamParticipant.care_team_id)
            .where(CareTeam.patient_id == patient_id, User.role == Role.clinician)
        )
        assert clinician_id is not None, "the patient has no clinician on a care team"
        start = datetime(2030, 1, 7, 15, 0, tzinfo=UTC)
        visit = Visit(
            patient_id=patient_id,
            clinician_id=clinician_id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            room=f"walk-room-{patient_id}",
            calendar_uid=f"walk-{patient_id}@painpath",
            subjective="Walk visit note",
        )
        session.add(visit)
        session.flush()
        return visit.id


def send(
    client: TestClient,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[httpx2.Response, str]:
    """Send with a fresh X-Request-Id, which the audit trail records as `request_id`."""
    request_id = uuid.uuid4().hex
    all_headers = {**(headers or {}), "X-Request-Id": request_id}
    response = client.request(method, url, headers=all_headers, **options)
    return response, request_id


def audit_events(session_factory: sessionmaker[Session], request_id: str) -> list[AuditEvent]:
    with session_factory() as session:
        query = select(AuditEvent).where(AuditEvent.request_id == request_id)
        return list(session.scalars(query.order_by(AuditEvent.id)))


def leaked(text: str, *, name_allowed: bool = False) -> list[str]:
    markers = [FOREIGN_MRN] if name_allowed else [FOREIGN_MRN, FOREIGN_NAME]
    return [marker for marker in markers if marker in text]


@dataclass
class Caller:
    """A signed-in user: their client (cookie jar) and the headers they send."""

    role: str
    user_id: int
    client: TestClient
    headers: dict[str, str]
    csrf_token: str | None = None

    def body(self, endpoint: Endpoint) -> dict[str, Any]:
        """The least a real client sends to an unsafe route: `{}`, or a form's CSRF token."""
        if endpoint.is_api:
            return {"json": {}}
        return {"data": {"csrf_token": self.csrf_token or ""}}


def sign_in(client: TestClient, cast: Cast, username: str, *, credential: str) -> Caller:
    """A bearer token, or a cookie session in `client` plus its CSRF header."""
    user_id = cast.user_ids[username]
    if credential == "bearer":
        return Caller(username, user_id, client, cast.headers(client, username))
    response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = response.json()["csrf_token"]
    return Caller(username, user_id, client, {"X-CSRF-Token": token}, csrf_token=token)


def walk_foreign_patient(
    caller: Caller, app: FastAPI, foreign: Records, visited: set[str] | None = None
) -> Iterator[str]:
    """Call every `{patient_id}` route on a patient outside the caller's scope; yield findings."""
    session_factory = app.state.session_factory
    for endpoint in endpoints(app):
        if not endpoint.is_patient_scoped:
            continue
        if visited is not None:
            visited.add(str(endpoint))
        unsafe = endpoint.method in UNSAFE_METHODS
        response, request_id = send(
            caller.client,
            endpoint.method,
            foreign.fill(endpoint.path),
            headers=caller.headers,
            follow_redirects=False,
            **(caller.body(endpoint) if unsafe else {}),
        )
        where = f"{endpoint} as {caller.role}"
        if found := leaked(response.text):
            yield f"{where}: response shows {found}"
        ui_form = unsafe and not endpoint.is_api
        if ui_form and caller.csrf_token is None and _asks_to_log_in(endpoint, response):
            continue  # a UI form, which takes cookie sessions only
        if passes_gate_unscoped(caller.role, endpoint):
            if response.status_code < 400:
                yield f"{where}: unscoped route accepted an empty body ({response.status_code})"
            continue
        if response.status_code != 403:
            yield f"{where}: answered {response.status_code}, not 403"
        if not any(
            event.outcome == AuditOutcome.denied
            and event.patient_id == foreign.patient_id
            and event.user_id == caller.user_id
            for event in audit_events(session_factory, request_id)
        ):
            yield f"{where}: no denied audit event"


def walk_listings(caller: Caller, app: FastAPI, foreign: Records) -> Iterator[str]:
    """GET every route without `{patient_id}`; the foreign patient must not show up."""
    for endpoint in endpoints(app):
        if endpoint.is_patient_scoped or endpoint.method != "GET":
            continue
        url = foreign.fill(endpoint.path)
        text = _read_listing(caller, url)
        # Admins manage accounts; a patient account's display name is the patient's name.
        account_page = caller.role == "admin" and "/users" in endpoint.path
        if found := leaked(text, name_allowed=account_page):
            yield f"{endpoint} as {caller.role}: response shows {found}"


def _read_listing(caller: Caller, url: str) -> str:
    """The body of a GET; of an event stream, only what it sends first (it does not end)."""
    with caller.client.stream("GET", url, headers=caller.headers, follow_redirects=False) as answer:
        if answer.headers.get("content-type", "").startswith("text/event-stream"):
            return next(answer.iter_text(), "")
        return answer.read().decode("utf-8", "replace")


def _is_login_page(response: httpx2.Response) -> bool:
    return (
        response.status_code == 200
        and response.headers.get("content-type", "").startswith("text/html")
        and 'type="password"' in response.text
    )


def _asks_to_log_in(endpoint: Endpoint, response: httpx2.Response) -> bool:
    if response.status_code == 401:
        return True
    location = response.headers.get("location", "").split("?")[0]
    ui_page = not endpoint.path.startswith("/api/")
    return ui_page and response.is_redirect and location.rstrip("/").endswith("/login")


def walk_anonymous(
    client: TestClient, app: FastAPI, foreign: Records, visited: set[str] | None = None
) -> Iterator[str]:
    """Call every route without credentials; only public routes may answer."""
    client.cookies.clear()
    anonymous = Caller("anonymous", 0, client, {})
    answers = {}
    for endpoint in endpoints(app):
        if visited is not None:
            visited.add(str(endpoint))
        body = anonymous.body(endpoint) if endpoint.method in UNSAFE_METHODS else {}
        url = foreign.fill(endpoint.path)
        answers[endpoint] = client.request(endpoint.method, url, follow_redirects=False, **body)
    login_pages = {e.path for e, answer in answers.items() if _is_login_page(answer)}
    for endpoint, response in answers.items():
        if found := leaked(response.text):
            yield f"{endpoint} without credentials: response shows {found}"
        public = endpoint.path in PUBLIC_PATHS or endpoint.path in login_pages
        public = public or str(endpoint) in PUBLIC_ENDPOINTS
        if not public and not _asks_to_log_in(endpoint, response):
            yield f"{endpoint} without credentials: answered {response.status_code}"
    for path in unwalkable_routes(app):
        yield f"{path}: a mounted app the walk cannot enter"


def database_snapshot(engine: Engine, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every row of every table except `skip`, for proving a request changed nothing.

    Skipping `audit_events` skips the audit chain's head row too: it moves with each event.
    """
    if "audit_events" in skip:
        skip = skip | {"audit_chain_head"}
    with engine.connect() as connection:
        return {
            table.name: sorted(map(repr, connection.execute(table.select()).all()))
            for table in Base.metadata.sorted_tables
            if table.name not in skip
        }


#: Tables a refused request may still write: its audit event, the login bookkeeping.
BOOKKEEPING_TABLES = frozenset(
    {"audit_events", "login_attempts", "login_throttles", "api_tokens", "auth_sessions"}
)
