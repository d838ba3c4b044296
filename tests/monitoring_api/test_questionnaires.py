"""Questionnaire assignments: what is due now, the occurrence log (delivered, opened, snoozed,
completed), scored responses, and the urgent alert a PHQ-9 item 9 answer raises at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.models import Alert, AuditEvent
from tests.monitoring_api.conftest import Headers

PHQ9_ITEM9_POSITIVE = [1, 1, 2, 1, 0, 1, 0, 1, 2]
PHQ9_ITEM9_ZERO = [1, 1, 2, 1, 0, 1, 0, 1, 0]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def opened_an_hour_ago() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def assignment(
    client: TestClient, clinician: Headers, home: str, opened_an_hour_ago: datetime
) -> dict[str, Any]:
    """PHQ-9 daily, open for 4 hours from an hour ago, reminders at opening and 2 hours in."""
    body = {
        "instrument": "PHQ9",
        "recurrence": "daily",
        "starts_at": iso(opened_an_hour_ago),
        "window_minutes": 240,
        "reminder_minutes": [120, 0],
    }
    response = client.post(f"{home}/questionnaire-assignments", json=body, headers=clinician)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def answer(values: list[int], **extra: Any) -> dict[str, Any]:
    return {
        "instrument": "phq-9",
        "answers": values,
        "authored_at": iso(datetime.now(UTC)),
    } | extra


def test_an_assignment_is_due_now_with_its_next_reminder(
    client: TestClient, patient: Headers, home: str, assignment: dict[str, Any]
) -> None:
    assert (assignment["instrument"], assignment["interval_days"]) == ("phq-9", 1)
    assert assignment["reminder_minutes"] == [0, 120]
    due = client.get(f"{home}/questionnaires/due", headers=patient).json()
    opens = datetime.fromisoformat(assignment["starts_at"])
    assert [(d["assignment_id"], d["occurrence"], d["status"], d["due_now"]) for d in due] == [
        (assignment["id"], 0, "scheduled", True)
    ]
    assert datetime.fromisoformat(due[0]["closes_at"]) == opens + timedelta(hours=4)
    assert datetime.fromisoformat(due[0]["next_reminder_at"]) == opens + timedelta(hours=2)
    log = client.get(
        f"{home}/questionnaire-assignments/{assignment['id']}/log", headers=patient
    ).json()
    assert [(e["occurrence"], e["event"]) for e in log] == [(0, "scheduled")]


def test_the_device_logs_delivery_opening_and_a_snooze(
    client: TestClient, patient: Headers, home: str, assignment: dict[str, Any]
) -> None:
    url = f"{home}/questionnaire-assignments/{assignment['id']}/occurrences/0/events"
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    for event in ({"event": "delivered"}, {"event": "opened"}):
        assert client.post(url, json=event, headers=patient).status_code == 201
    snoozed = client.post(
        url, json={"event": "snoozed", "snooze_until": iso(later)}, headers=patient
    )
    assert snoozed.status_code == 201, snoozed.text
    due = client.get(f"{home}/questionnaires/due", headers=patient).json()[0]
    assert (due["status"], due["due_now"]) == ("snoozed", False)
    assert datetime.fromisoformat(due["snoozed_until"]) == later
    assert datetime.fromisoformat(due["next_reminder_at"]) == later
    log = client.get(
        f"{home}/questionnaire-assignments/{assignment['id']}/log", headers=patient
    ).json()
    assert [e["event"] for e in log] == ["scheduled", "delivered", "opened", "snoozed"]


def test_a_snooze_past_the_close_is_refused(
    client: TestClient, patient: Headers, home: str, assignment: dict[str, Any]
) -> None:
    url = f"{home}/questionnaire-assignments/{assignment['id']}/occurrences/0/events"
    too_late = iso(datetime.now(UTC) + timedelta(hours=5))
    response = client.post(
        url, json={"event": "snoozed", "snooze_until": too_late}, headers=patient
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "snooze_until"
    missing = client.post(url, json={"event": "snoozed"}, headers=patient)
    assert missing.status_code == 422


def test_a_response_completes_the_open_occurrence(
    client: TestClient, patient: Headers, home: str, assignment: dict[str, Any]
) -> None:
    created = client.post(
        f"{home}/questionnaire-responses", json=answer(PHQ9_ITEM9_ZERO), headers=patient
    )
    assert created.status_code == 201, created.text
    response = created.json()
    assert (response["assignment_id"], response["occurrence"]) == (assignment["id"], 0)
    assert (response["total_score"], response["score"]["band"]) == (7.0, "mild")
    due = client.get(f"{home}/questionnaires/due", headers=patient).json()[0]
    assert (due["status"], due["due_now"], due["next_reminder_at"]) == ("completed", False, None)
    log = client.get(
        f"{home}/questionnaire-assignments/{assignment['id']}/log", headers=patient
    ).json()
    assert [(e["event"], e["response_id"]) for e in log] == [
        ("scheduled", None),
        ("completed", response["id"]),
    ]
    url = f"{home}/questionnaire-assignments/{assignment['id']}/occurrences/0/events"
    assert client.post(url, json={"event": "opened"}, headers=patient).status_code == 409


def test_phq9_item9_raises_an_urgent_alert_with_the_response(
    app: FastAPI, client: TestClient, patient: Headers, clinician: Headers, home: str
) -> None:
    body = answer(PHQ9_ITEM9_POSITIVE, client_id="phq-1")
    created = client.post(f"{home}/questionnaire-responses", json=body, headers=patient)
    assert created.status_code == 201, created.text
    flags = created.json()["score"]["flags"]
    assert [(f["code"], f["severity"]) for f in flags] == [("phq9_item9_positive", "urgent")]
    again = client.post(f"{home}/questionnaire-responses", json=body, headers=patient)
    assert again.status_code == 200
    alerts = client.get(f"{home}/alerts", headers=clinician).json()["items"]
    assert [(a["rule_id"], a["severity"], a["status"]) for a in alerts] == [
        ("phq9_item9", "urgent", "open")
    ]
    assert alerts[0]["dedup_key"].endswith(f":phq9_item9:{created.json()['id']}")
    with app.state.session_factory() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "Alert", AuditEvent.action == "create"
            )
        ).one()
    assert (event.resource_id, event.username) == (str(alerts[0]["id"]), "patient")


def test_a_phq9_without_item9_raises_no_alert(
    app: FastAPI, client: TestClient, patient: Headers, home: str
) -> None:
    client.post(f"{home}/questionnaire-responses", json=answer(PHQ9_ITEM9_ZERO), headers=patient)
    with app.state.session_factory() as session:
        assert session.scalars(select(Alert)).all() == []


def test_only_clinicians_assign_and_only_known_instruments(
    client: TestClient, patient: Headers, clinician: Headers, home: str
) -> None:
    body = {"instrument": "phq-9", "recurrence": "once", "starts_at": "2026-12-01T09:00:00Z"}
    url = f"{home}/questionnaire-assignments"
    assert client.post(url, json=body, headers=patient).status_code == 403
    unknown = client.post(url, json=body | {"instrument": "sf-36"}, headers=clinician)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "instrument"
    every_n = client.post(url, json=body | {"recurrence": "every-n-days"}, headers=clinician)
    assert every_n.status_code == 422
    paused = client.post(url, json=body, headers=clinician).json()
    stopped = client.patch(f"{url}/{paused['id']}", json={"active": False}, headers=clinician)
    assert stopped.json()["active"] is False
    assert client.get(f"{home}/questionnaires/due", headers=patient).json() == []
