"""Visit reminders through the outbox: due at 24 h and 1 h, each once per visit and person
(a worker run twice, or after a restart, adds nothing), withdrawn when the visit is cancelled;
and the database refusing a second live visit at the same clinician and start."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from painpath.config import Settings
from painpath.models import OutboxMessage, OutboxStatus, User, Visit
from painpath.services.notify import LogSender, send_pending
from painpath.services.telehealth.reminders import due_lead, enqueue_due_reminders
from tests.support.cohort import Cast
from tests.telehealth.conftest import Headers, first_slot, parse

pytestmark = pytest.mark.usefixtures("available")


@pytest.fixture
def emails(app: FastAPI, cast: Cast) -> None:
    with app.state.session_factory.begin() as session:
        for name in ("patient", "clinician"):
            session.execute(
                update(User)
                .where(User.id == cast.user_ids[name])
                .values(email=f"{name}@example.org")
            )


def test_due_lead_is_the_shortest_reached() -> None:
    start = datetime.fromisoformat("2026-12-14T08:00:00+00:00")
    hours = (24, 1)
    assert due_lead(hours, start, start - timedelta(hours=30)) is None
    assert due_lead(hours, start, start - timedelta(hours=24)) == 24
    assert due_lead(hours, start, start - timedelta(minutes=59)) == 1
    assert due_lead(hours, start, start) is None


@pytest.mark.usefixtures("emails")
def test_reminders_are_sent_once_each_and_on_each_persons_clock(
    client: TestClient,
    home: str,
    patient: Headers,
    day: date,
    app: FastAPI,
    settings: Settings,
) -> None:
    slot = first_slot(client, home, patient, day)
    booked = client.post(
        f"{home}/visits",
        json={k: slot[k] for k in ("clinician_id", "starts_at", "ends_at")},
        headers=patient,
    ).json()
    factory = app.state.session_factory
    start = parse(booked["starts_at"])
    sender = LogSender()
    send_pending(factory, sender)  # the booking confirmations
    assert sorted(n.recipient for n in sender.sent) == [
        "clinician@example.org",
        "patient@example.org",
    ]
    sender.sent.clear()

    assert enqueue_due_reminders(factory, settings, start - timedelta(hours=25)).enqueued == 0
    for _ in range(2):  # the worker runs twice (or restarts): nothing more
        enqueue_due_reminders(factory, settings, start - timedelta(hours=23))
        send_pending(factory, sender, now=start - timedelta(hours=23))
    assert len(sender.sent) == 2
    by_person = {n.recipient: n for n in sender.sent}
    assert "America/Chicago" in by_person["patient@example.org"].body
    assert "02:00" in by_person["patient@example.org"].subject
    assert "Europe/Berlin" in by_person["clinician@example.org"].body
    assert "09:00" in by_person["clinician@example.org"].subject
    assert "https://meet.example.org/painpath-" in by_person["patient@example.org"].body
    assert by_person["patient@example.org"].calendar is not None
    # The clinician's reminder does not name the patient.
    assert "Hana" not in by_person["clinician@example.org"].body

    for _ in range(2):
        enqueue_due_reminders(factory, settings, start - timedelta(minutes=30))
        send_pending(factory, sender, now=start - timedelta(minutes=30))
    assert len(sender.sent) == 4
    keys = [n.key for n in sender.sent]
    assert len(set(keys)) == 4
    assert sum(":reminder:1h:" in key for key in keys) == 2


@pytest.mark.usefixtures("emails")
def test_cancelling_withdraws_reminders_not_yet_sent(
    client: TestClient, home: str, patient: Headers, day: date, app: FastAPI, settings: Settings
) -> None:
    slot = first_slot(client, home, patient, day)
    booked = client.post(
        f"{home}/visits",
        json={k: slot[k] for k in ("clinician_id", "starts_at", "ends_at")},
        headers=patient,
    ).json()
    factory = app.state.session_factory
    start = parse(booked["starts_at"])
    enqueue_due_reminders(factory, settings, start - timedelta(hours=2))
    client.post(f"{home}/visits/{booked['id']}/cancel", json={}, headers=patient)
    with factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    statuses = {
        row.idempotency_key.split(":")[4]: row.status
        for row in rows
        if ":reminder:" in row.idempotency_key
    }
    assert statuses == {"24h": OutboxStatus.withdrawn}
    cancelled = [row for row in rows if ":cancelled:" in row.idempotency_key]
    assert len(cancelled) == 2
    assert all("METHOD:CANCEL" in (row.calendar or "") for row in cancelled)
    assert enqueue_due_reminders(factory, settings, start - timedelta(minutes=30)).enqueued == 0


def test_the_database_refuses_two_live_visits_at_one_start(
    client: TestClient, home: str, patient: Headers, day: date, app: FastAPI
) -> None:
    slot = first_slot(client, home, patient, day)
    booked = client.post(
        f"{home}/visits",
        json={k: slot[k] for k in ("clinician_id", "starts_at", "ends_at")},
        headers=patient,
    ).json()
    factory = app.state.session_factory
    with factory() as session:
        original = session.get(Visit, booked["id"])
        assert original is not None
        twin = Visit(
            patient_id=original.patient_id,
            clinician_id=original.clinician_id,
            starts_at=original.starts_at,
            ends_at=original.ends_at,
            room="another-room",
            calendar_uid="another-uid",
        )
        session.add(twin)
        with pytest.raises(IntegrityError):
            session.flush()
