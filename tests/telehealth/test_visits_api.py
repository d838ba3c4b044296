"""Visits through the API on SQLite and PostgreSQL: slots in each viewer's zone, booking only
with one's own care team, no double booking (also under parallel requests), cancelling with a
calendar update, the SOAP note, completion into the ledger once, and the FHIR export."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from painpath.models import AuditEvent, ClinicianTimeEntry, Visit
from tests.support.cohort import Cast
from tests.telehealth.conftest import TEMPLATE, Headers, first_slot, parse

pytestmark = pytest.mark.usefixtures("available")


def book(client: TestClient, home: str, headers: Headers, slot: dict[str, Any]) -> Any:
    return client.post(
        f"{home}/visits",
        json={
            "clinician_id": slot["clinician_id"],
            "starts_at": slot["starts_at"],
            "ends_at": slot["ends_at"],
            "reason": "Back pain follow-up",
        },
        headers=headers,
    )


def test_slots_follow_the_clinicians_zone_and_show_on_the_viewers_clock(
    client: TestClient, home: str, patient: Headers, day: date
) -> None:
    response = client.get(
        f"{home}/visit-slots",
        params={"first": day.isoformat(), "last": day.isoformat()},
        headers=patient,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["viewer_time_zone"] == "America/Chicago"
    [found] = body["clinicians"]
    assert found["clinician_time_zone"] == "Europe/Berlin"
    starts = [parse(s["starts_at"]) for s in found["slots"]]
    # 09:00-12:00 in Berlin, in 30-minute slots: six, at 08:00-10:30 UTC in winter or
    # 07:00-09:30 UTC in summer; on the patient's clock 02:00-04:30.
    assert len(starts) == 6
    berlin = [s.astimezone(ZoneInfo("Europe/Berlin")) for s in starts]
    assert [f"{b:%H:%M}" for b in berlin] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert found["slots"][0]["starts_local"].startswith(f"{day.isoformat()} 02:00 C")


def test_a_patient_books_and_both_sides_see_it_on_their_own_clock(
    client: TestClient, home: str, patient: Headers, clinician: Headers, day: date, app: FastAPI
) -> None:
    slot = first_slot(client, home, patient, day)
    response = book(client, home, patient, slot)
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["status"] == "booked"
    assert visit["viewer_time_zone"] == "America/Chicago"
    assert visit["starts_local"].startswith(f"{day.isoformat()} 02:00 C")
    room = visit["join_url"].removeprefix(TEMPLATE.split("{")[0])
    assert len(room) >= 32
    assert visit["join_url"].startswith("https://meet.example.org/")
    schedule = client.get(
        "/api/me/visits",
        params={"first": day.isoformat(), "last": day.isoformat()},
        headers=clinician,
    )
    assert schedule.status_code == 200, schedule.text
    [seen] = schedule.json()
    assert seen["id"] == visit["id"]
    assert seen["viewer_time_zone"] == "Europe/Berlin"
    assert seen["starts_local"].startswith(f"{day.isoformat()} 09:00 CE")
    # The slot is gone for everyone, and a second booking of it is a conflict.
    assert first_slot(client, home, patient, day)["starts_at"] != slot["starts_at"]
    again = book(client, home, clinician, slot)
    assert again.status_code == 409, again.text
    assert "just been booked" in again.json()["detail"]


def test_room_names_differ_per_visit(
    client: TestClient, home: str, patient: Headers, day: date
) -> None:
    first = book(client, home, patient, first_slot(client, home, patient, day)).json()
    second = book(client, home, patient, first_slot(client, home, patient, day)).json()
    assert first["join_url"] != second["join_url"]


def test_patients_reach_only_their_own_visits_and_care_team(
    client: TestClient, home: str, patient: Headers, day: date, cast: Cast
) -> None:
    slot = first_slot(client, home, patient, day)
    visit = book(client, home, patient, slot).json()
    other = cast.headers(client, "other_patient")
    assert client.get(f"{home}/visits", headers=other).status_code == 403
    assert client.get(f"{home}/visits/{visit['id']}", headers=other).status_code == 403
    assert client.get(f"{home}/visits/{visit['id']}/calendar.ics", headers=other).status_code == 403
    assert book(client, home, other, first_slot(client, home, patient, day)).status_code == 403
    assert (
        client.post(f"{home}/visits/{visit['id']}/cancel", json={}, headers=other).status_code
        == 403
    )
    # The foreign patient cannot book the home clinician: not on their care team.
    foreign = f"/api/patients/{cast.foreign_patient_id}"
    refused = book(client, foreign, other, first_slot(client, home, patient, day))
    assert refused.status_code == 422
    assert "clinician_id" in refused.text
    # A visit id of another patient answers like a missing one through one's own record.
    assert client.get(f"{foreign}/visits/{visit['id']}", headers=other).status_code == 404


def test_only_offered_slots_in_the_future_can_be_booked(
    client: TestClient, home: str, patient: Headers, day: date
) -> None:
    slot = first_slot(client, home, patient, day)
    off_grid = dict(
        slot,
        starts_at=(parse(str(slot["starts_at"])) + timedelta(minutes=10)).isoformat(),
        ends_at=(parse(str(slot["ends_at"])) + timedelta(minutes=10)).isoformat(),
    )
    assert book(client, home, patient, off_grid).status_code == 422
    past = datetime.now(UTC) - timedelta(days=1)
    stale = dict(
        slot, starts_at=past.isoformat(), ends_at=(past + timedelta(minutes=30)).isoformat()
    )
    assert book(client, home, patient, stale).status_code == 422


def test_cancel_updates_the_calendar_with_method_cancel(
    client: TestClient, home: str, patient: Headers, day: date
) -> None:
    visit = book(client, home, patient, first_slot(client, home, patient, day)).json()
    ics = client.get(f"{home}/visits/{visit['id']}/calendar.ics", headers=patient)
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    text = ics.text
    assert "METHOD:PUBLISH\r\n" in text
    assert "SEQUENCE:0\r\n" in text
    assert "STATUS:CONFIRMED" in text
    uid = next(line for line in text.split("\r\n") if line.startswith("UID:"))
    cancelled = client.post(
        f"{home}/visits/{visit['id']}/cancel", json={"reason": "Feeling better"}, headers=patient
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["join_url"] is None
    after = client.get(f"{home}/visits/{visit['id']}/calendar.ics", headers=patient).text
    assert "METHOD:CANCEL\r\n" in after
    assert "SEQUENCE:1\r\n" in after
    assert "STATUS:CANCELLED" in after
    assert uid in after
    assert (
        client.post(f"{home}/visits/{visit['id']}/cancel", json={}, headers=patient).status_code
        == 409
    )
    # The slot is free again.
    assert first_slot(client, home, patient, day)["starts_at"] == visit["starts_at"]


def move_to_the_past(app: FastAPI, visit_id: int) -> datetime:
    """The visit's hour has come: it started two hours ago."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=120)
    with app.state.session_factory.begin() as session:
        session.execute(
            update(Visit)
            .where(Visit.id == visit_id)
            .values(starts_at=start, ends_at=start + timedelta(minutes=30))
        )
    return start


def test_note_completion_counts_minutes_once_in_the_ledger(
    client: TestClient, home: str, patient: Headers, clinician: Headers, day: date, app: FastAPI
) -> None:
    visit = book(client, home, patient, first_slot(client, home, patient, day)).json()
    url = f"{home}/visits/{visit['id']}"
    soap = {
        "subjective": "Low back pain 6/10; sleeping better; uses PRN twice a week.",
        "objective": "Video exam: walks without aid, forward flexion limited.",
        "assessment": "Chronic low back pain, improving on the plan.",
        "plan": "Continue exercise therapy; review in 4 weeks.",
    }
    assert client.put(f"{url}/note", json=soap, headers=patient).status_code == 403
    assert client.put(f"{url}/note", json=soap, headers=clinician).status_code == 200
    early = client.post(
        f"{url}/complete", json={"minutes": 25, "program": "RTM-MSK"}, headers=clinician
    )
    assert early.status_code == 422  # not started yet
    start = move_to_the_past(app, visit["id"])
    # Time logged by hand for 10 minutes of the same stretch, and 5 minutes after it.
    for minutes, offset in ((10, 5), (5, 60)):
        logged = client.post(
            f"{home}/monitoring-time",
            json={
                "started_at": (start + timedelta(minutes=offset)).isoformat(),
                "minutes": minutes,
                "interactive": False,
                "program": "RTM-MSK",
            },
            headers=clinician,
        )
        assert logged.status_code == 201, logged.text
    done = client.post(
        f"{url}/complete", json={"minutes": 25, "program": "RTM-MSK"}, headers=clinician
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["minutes"] == 25
    assert (
        client.post(
            f"{url}/complete", json={"minutes": 25, "program": "RTM-MSK"}, headers=clinician
        ).status_code
        == 409
    )
    assert client.put(f"{url}/note", json=soap, headers=clinician).status_code == 409
    local_start = start.astimezone(ZoneInfo("America/Chicago")).date()
    period = local_start
    ledger = client.get(
        f"{home}/monitoring-ledger",
        params={"program": "RTM-MSK", "period_start": period.isoformat()},
        headers=clinician,
    )
    assert ledger.status_code == 200, ledger.text
    found = ledger.json()
    # 25 visit minutes + 5 separate minutes; the 10 overlapping minutes count once.
    assert found["minutes"] == 30
    assert found["interactive"] is True
    [performer] = found["minutes_by_performer"]
    assert performer["interactive_minutes"] == 25
    with app.state.session_factory() as session:
        entry = session.scalars(
            select(ClinicianTimeEntry).where(ClinicianTimeEntry.visit_id == visit["id"])
        ).one()
    assert entry.interactive
    assert entry.minutes == 25


def test_fhir_export_is_an_encounter_with_its_note(
    client: TestClient, home: str, patient: Headers, clinician: Headers, day: date, app: FastAPI
) -> None:
    visit = book(client, home, patient, first_slot(client, home, patient, day)).json()
    url = f"{home}/visits/{visit['id']}"
    client.put(f"{url}/note", json={"assessment": "Stable; pain 4/10"}, headers=clinician)
    move_to_the_past(app, visit["id"])
    client.post(f"{url}/complete", json={"minutes": 20, "program": "RPM"}, headers=clinician)
    bundle = client.get(f"{url}/fhir", headers=patient)
    assert bundle.status_code == 200, bundle.text
    resources = [entry["resource"] for entry in bundle.json()["entry"]]
    encounter, document = resources
    assert encounter["resourceType"] == "Encounter"
    assert encounter["status"] == "finished"
    assert encounter["class"]["code"] == "VR"
    assert encounter["length"]["value"] == 20
    assert document["resourceType"] == "DocumentReference"
    assert document["context"]["encounter"] == [{"reference": f"Encounter/{encounter['id']}"}]
    text = base64.b64decode(document["content"][0]["attachment"]["data"]).decode()
    assert "Assessment:\nStable; pain 4/10" in text


def test_every_visit_read_is_audited(
    client: TestClient, home: str, patient: Headers, day: date, app: FastAPI
) -> None:
    visit = book(client, home, patient, first_slot(client, home, patient, day)).json()
    client.get(f"{home}/visits/{visit['id']}", headers=patient)
    with app.state.session_factory() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "Visit")
        ).all()
    assert {(e.action, e.resource_id) for e in events} >= {
        ("create", str(visit["id"])),
        ("read", str(visit["id"])),
    }


def test_parallel_bookings_of_one_slot_exactly_one_wins(
    client: TestClient, home: str, patient: Headers, clinician: Headers, day: date, live_url: str
) -> None:
    slot = first_slot(client, home, patient, day)
    tokens = [patient["Authorization"], clinician["Authorization"]] * 4
    start = threading.Barrier(len(tokens))
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(token: str) -> None:
        with httpx.Client(base_url=live_url, timeout=60) as http:
            start.wait()
            response = http.post(
                f"{home}/visits",
                json={
                    "clinician_id": slot["clinician_id"],
                    "starts_at": slot["starts_at"],
                    "ends_at": slot["ends_at"],
                },
                headers={"Authorization": token},
            )
        with lock:
            statuses.append(response.status_code)
            if response.status_code not in (201, 409):
                statuses.append(-1)

    threads = [threading.Thread(target=attempt, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * (len(tokens) - 1)
    listed = client.get(f"{home}/visits", headers=patient).json()
    assert [v["starts_at"] for v in listed] == [slot["starts_at"]]
