"""Finding 10 (issue 10, "Security and robustness", item 10): every denial writes an audit row.

Before the fix, unauthenticated and invalid-token requests, CSRF refusals, 403s on /api/users
and /api/audit-events and refused CDS client JWTs left no trace, and neither did an admin's
reading of the audit trail. Each row names the request id, client address, route and reason,
and never the token. Anonymous denials are bounded per client address and minute; the rest
are counted into a summary row (see docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.config import Settings
from painpath.models import AuditEvent
from painpath.web.app import create_app
from tests.support.cohort import PASSWORD, Cast
from tests.support.walk import audit_events, observation_body, send

FORGED_TOKEN = "forged-bearer-token-d2f1c0ffee"


def _only_denial(app: FastAPI, request_id: str) -> AuditEvent:
    events = audit_events(app.state.session_factory, request_id)
    assert [event.outcome for event in events] == ["denied"], events
    event = events[0]
    assert event.request_id == request_id
    assert event.client_address == "testclient"
    return event


def test_finding_10_unauthenticated_request_is_audited(app: FastAPI, client: TestClient) -> None:
    response, request_id = send(client, "GET", "/api/patients")
    assert response.status_code == 401
    event = _only_denial(app, request_id)
    assert (event.user_id, event.action, event.path) == (None, "read", "/api/patients")
    assert event.detail == "401 log in or send a bearer token"


def test_finding_10_invalid_token_is_audited_without_the_token(
    app: FastAPI, client: TestClient
) -> None:
    headers = {"Authorization": f"Bearer {FORGED_TOKEN}"}
    response, request_id = send(client, "POST", "/api/patients", headers=headers, json={})
    assert response.status_code == 401
    event = _only_denial(app, request_id)
    assert (event.user_id, event.action, event.http_method) == (None, "create", "POST")
    assert "invalid, expired or revoked" in (event.detail or "")
    with app.state.session_factory() as session:
        for row in session.scalars(select(AuditEvent)):
            assert FORGED_TOKEN not in repr([getattr(row, c.key) for c in AuditEvent.__table__.c])


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as second:
        yield second


def test_finding_10_csrf_refusal_is_audited(app: FastAPI, browser: TestClient, cast: Cast) -> None:
    login = browser.post("/api/auth/login", json={"username": "patient", "password": PASSWORD})
    assert login.status_code == 200
    url = f"/api/patients/{cast.home_patient_id}/observations"
    response, request_id = send(browser, "POST", url, json=observation_body())
    assert response.status_code == 403
    event = _only_denial(app, request_id)
    assert event.path == url
    assert "x-csrf-token" in (event.detail or "")


@pytest.mark.parametrize(
    ("url", "resource_type"), [("/api/users", "Request"), ("/api/audit-events", "AuditEvent")]
)
def test_finding_10_forbidden_admin_routes_are_audited(
    app: FastAPI, client: TestClient, cast: Cast, url: str, resource_type: str
) -> None:
    response, request_id = send(client, "GET", url, headers=cast.headers(client, "clinician"))
    assert response.status_code == 403
    event = _only_denial(app, request_id)
    assert (event.user_id, event.role) == (cast.user_ids["clinician"], "clinician")
    assert (event.resource_type, event.path) == (resource_type, url)


def test_finding_10_admin_reads_of_the_audit_trail_are_audited(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    headers = cast.headers(client, "admin")
    url = f"/api/audit-events?patient_id={cast.home_patient_id}&limit=5"
    response, request_id = send(client, "GET", url, headers=headers)
    assert response.status_code == 200
    events = audit_events(app.state.session_factory, request_id)
    assert len(events) == 1
    event = events[0]
    assert (event.user_id, event.action, event.resource_type, event.outcome) == (
        cast.user_ids["admin"],
        "search",
        "AuditEvent",
        "success",
    )
    assert event.patient_id == cast.home_patient_id
    assert "limit 5" in (event.detail or "")


def test_finding_10_cds_jwt_refusal_is_audited(app: FastAPI, client: TestClient) -> None:
    url = "/cds-services/painpath-patient-view"
    headers = {"Authorization": f"Bearer {FORGED_TOKEN}"}
    response, request_id = send(client, "POST", url, headers=headers, json={})
    assert response.status_code == 401
    event = _only_denial(app, request_id)
    assert (event.resource_type, event.resource_id, event.path) == (
        "CdsService",
        "painpath-patient-view",
        url,
    )
    assert (event.detail or "").startswith("CDS client refused: ")
    assert FORGED_TOKEN not in (event.detail or "")


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 30, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_finding_10_an_anonymous_flood_is_bounded_and_counted(
    settings: Settings, engine: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per address and minute, 3 rows; the 7 others become one summary row afterwards."""
    clock = _Clock()
    monkeypatch.setattr("painpath.audit.trail.utcnow", clock)
    bounded = settings.model_copy(
        update={"audit_anonymous_denials_per_address": 3, "audit_anonymous_denials_per_minute": 5}
    )
    app = create_app(bounded, engine=engine)  # type: ignore[arg-type]
    with TestClient(app) as client:
        ids = [send(client, "GET", "/api/patients")[1] for _ in range(10)]
        written = [rid for rid in ids if audit_events(app.state.session_factory, rid)]
        assert written == ids[:3]
        clock.now += timedelta(minutes=1)
        _, later = send(client, "GET", "/api/patients")
    with app.state.session_factory() as session:
        summaries = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "suppress")))
    assert len(summaries) == 1
    summary = summaries[0]
    assert (summary.outcome, summary.client_address, summary.request_id) == (
        "denied",
        "testclient",
        None,
    )
    assert (summary.detail or "").startswith(
        "7 further anonymous denials from client testclient in the minute from 2026-12-07 09:30"
    )
    assert len(audit_events(app.state.session_factory, later)) == 1
