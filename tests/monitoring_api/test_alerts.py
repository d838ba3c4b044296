"""Monitoring alerts: the lifecycle (open → acknowledged → resolved, with who and when), the
panel-wide feed limited to the clinician's care teams, and the live Server-Sent Events stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.models import AuditEvent, Patient
from painpath.monitoring.alerts import AlertCandidate, Severity
from painpath.services.monitoring.alerts import raise_alerts
from painpath.services.transaction import unit_of_work
from tests.monitoring_api.conftest import Headers
from tests.support.audit_chain import settle_audit_chain
from tests.support.cohort import PASSWORD, Cast

READ_SECONDS = 15.0


def candidate(patient_id: int, episode: str = "2026-12-01", **changes: Any) -> AlertCandidate:
    fields: dict[str, Any] = {
        "rule_id": "pain_worsening",
        "severity": Severity.moderate,
        "dedup_key": f"{patient_id}:pain_worsening:{episode}",
        "title": "Pain worsening",
        "message": "7-day mean pain up 2.4 points from baseline",
        "evidence": {"baseline": 4.1, "mean": 6.5},
        "window_start": date(2026, 11, 24),
        "window_end": date(2026, 11, 30),
    }
    return AlertCandidate(**(fields | changes))


def raise_for(app: FastAPI, patient_id: int, *candidates: AlertCandidate) -> list[int]:
    with unit_of_work(app.state.session_factory) as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        return [alert.id for alert in raise_alerts(session, patient, candidates)]


def test_alerts_are_deduplicated_by_key_until_resolved(
    app: FastAPI, client: TestClient, clinician: Headers, cast: Cast, home: str
) -> None:
    home_id = cast.home_patient_id
    [first] = raise_for(app, home_id, candidate(home_id), candidate(home_id))
    assert raise_for(app, home_id, candidate(home_id)) == []
    acknowledged = client.post(f"{home}/alerts/{first}/acknowledge", headers=clinician)
    assert acknowledged.status_code == 200, acknowledged.text
    assert raise_for(app, home_id, candidate(home_id)) == []
    resolved = client.post(
        f"{home}/alerts/{first}/resolve", json={"note": "called, flare settling"}, headers=clinician
    )
    assert resolved.status_code == 200, resolved.text
    [second] = raise_for(app, home_id, candidate(home_id))
    assert second != first
    listed = client.get(f"{home}/alerts", headers=clinician).json()["items"]
    assert [(a["id"], a["status"]) for a in listed] == [(second, "open"), (first, "resolved")]


def test_the_lifecycle_records_who_and_when(
    app: FastAPI, client: TestClient, clinician: Headers, cast: Cast, home: str
) -> None:
    [alert_id] = raise_for(app, cast.home_patient_id, candidate(cast.home_patient_id))
    pharmacist = cast.headers(client, "pharmacist")
    acknowledged = client.post(f"{home}/alerts/{alert_id}/acknowledge", headers=pharmacist).json()
    assert acknowledged["status"] == "acknowledged"
    assert acknowledged["acknowledged_by"] == cast.user_ids["pharmacist"]
    twice = client.post(f"{home}/alerts/{alert_id}/acknowledge", headers=clinician)
    assert twice.status_code == 409
    resolved = client.post(
        f"{home}/alerts/{alert_id}/resolve", json={"note": "seen in clinic"}, headers=clinician
    ).json()
    assert (resolved["status"], resolved["resolved_by"], resolved["resolution_note"]) == (
        "resolved",
        cast.user_ids["clinician"],
        "seen in clinic",
    )
    assert resolved["resolved_at"] >= resolved["acknowledged_at"]
    again = client.post(f"{home}/alerts/{alert_id}/resolve", json={}, headers=clinician)
    assert again.status_code == 409
    open_only = client.get(f"{home}/alerts", params={"status": "open"}, headers=clinician)
    assert open_only.json()["items"] == []


def test_patients_see_their_alerts_but_do_not_work_them(
    app: FastAPI, client: TestClient, patient: Headers, cast: Cast, home: str
) -> None:
    [alert_id] = raise_for(app, cast.home_patient_id, candidate(cast.home_patient_id))
    assert client.get(f"{home}/alerts", headers=patient).json()["total"] == 1
    refused = client.post(f"{home}/alerts/{alert_id}/acknowledge", headers=patient)
    assert refused.status_code == 403


def test_the_panel_feed_shows_only_the_clinicians_patients(
    app: FastAPI, client: TestClient, clinician: Headers, cast: Cast
) -> None:
    home_id, away_id = cast.home_patient_id, cast.foreign_patient_id
    [mine] = raise_for(app, home_id, candidate(home_id))
    raise_for(app, away_id, candidate(away_id))
    feed = client.get("/api/monitoring/alerts", headers=clinician).json()
    assert [(a["id"], a["patient_id"]) for a in feed["items"]] == [(mine, home_id)]
    other = client.get("/api/monitoring/alerts", headers=cast.headers(client, "other_clinician"))
    assert [a["patient_id"] for a in other.json()["items"]] == [away_id]
    admin = client.get("/api/monitoring/alerts", headers=cast.headers(client, "admin"))
    assert admin.json()["items"] == []
    with app.state.session_factory() as session:
        searched = session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "Alert", AuditEvent.action == "search"
            )
        ).all()
    assert [(e.username, e.patient_id) for e in searched] == [
        ("clinician", home_id),
        ("other_clinician", away_id),
    ]


def sse_events(response: httpx.Response) -> Iterator[dict[str, str]]:
    """Server-Sent Events as they arrive: one dict of fields per event (comments skipped)."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if fields:
                yield fields
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value.removeprefix(" ")


def next_alert(events: Iterator[dict[str, str]]) -> dict[str, Any]:
    for event in events:
        if event.get("event") == "alert":
            found: dict[str, Any] = json.loads(event["data"])
            assert event["id"] == str(found["id"])
            return found
    raise AssertionError("the stream ended without an alert")


@pytest.fixture
def stream_client(live_url: str) -> Iterator[httpx.Client]:
    timeout = httpx.Timeout(READ_SECONDS, connect=5.0)
    with httpx.Client(base_url=live_url, timeout=timeout) as http:
        yield http


def token_for(http: httpx.Client, username: str) -> dict[str, str]:
    answer = http.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_the_stream_delivers_an_alert_raised_after_connecting(
    app: FastAPI, stream_client: httpx.Client, cast: Cast
) -> None:
    clinician = token_for(stream_client, "clinician")
    patient = token_for(stream_client, "patient")
    home_id, away_id = cast.home_patient_id, cast.foreign_patient_id
    raise_for(app, home_id, candidate(home_id, episode="before-connecting"))
    url = "/api/monitoring/alerts/stream"
    with stream_client.stream("GET", url, headers=clinician) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
        assert next(events) == {"retry": "3000"}
        raise_for(app, away_id, candidate(away_id))  # not on this clinician's panel
        phq9 = {
            "instrument": "phq-9",
            "answers": [0, 1, 1, 0, 0, 0, 0, 0, 1],
            "authored_at": "2026-12-01T20:00:00-06:00",
        }
        posted = stream_client.post(
            f"/api/patients/{home_id}/questionnaire-responses", json=phq9, headers=patient
        )
        assert posted.status_code == 201, posted.text
        alert = next_alert(events)
    assert (alert["patient_id"], alert["rule_id"], alert["severity"]) == (
        home_id,
        "phq9_item9",
        "urgent",
    )
    # The hub commits the delivery's audit row before it hands the alert over, but on
    # PostgreSQL the row is chained after that commit, by the background chainer when the
    # questionnaire request's own chaining holds the chain's lock: wait for the chain.
    settle_audit_chain(app.state.engine)
    with app.state.session_factory() as session:
        delivered = session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "Alert",
                AuditEvent.action == "read",
                AuditEvent.username == "clinician",
            )
        ).all()
    assert [(e.patient_id, e.resource_id) for e in delivered] == [(home_id, str(alert["id"]))]


def test_the_stream_resumes_after_the_last_event_id(
    app: FastAPI, stream_client: httpx.Client, cast: Cast
) -> None:
    clinician = token_for(stream_client, "clinician")
    home_id = cast.home_patient_id
    first, second = raise_for(
        app, home_id, candidate(home_id, episode="a"), candidate(home_id, episode="b")
    )
    headers = clinician | {"Last-Event-ID": str(first)}
    with stream_client.stream("GET", "/api/monitoring/alerts/stream", headers=headers) as response:
        alert = next_alert(sse_events(response))
    assert alert["id"] == second


def test_the_stream_needs_credentials(stream_client: httpx.Client) -> None:
    response = stream_client.get("/api/monitoring/alerts/stream")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
