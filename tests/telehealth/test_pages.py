"""The visit pages with a browser's cookie session: the clinician sets availability, the
patient books from the page and sees the visit on their clock, the clinician writes the note
and completes it, and the minutes show in the ledger section. A stranger gets 403."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from painpath.models import Visit
from tests.support.cohort import Cast
from tests.web.test_ui_pages import csrf_from, sign_in


def signed_in(app: FastAPI, username: str) -> TestClient:
    client = TestClient(app)
    assert sign_in(client, username).status_code == 303
    return client


@pytest.fixture
def staff(app: FastAPI, cast: Cast) -> TestClient:
    return signed_in(app, "clinician")


def test_availability_booking_note_and_ledger_through_the_pages(
    app: FastAPI, cast: Cast, staff: TestClient
) -> None:
    page = staff.get("/availability")
    assert page.status_code == 200
    form = {"csrf_token": csrf_from(page.text), "time_zone": "Europe/Berlin", "slot_minutes": "30"}
    for day in range(7):
        form[f"start_{day}_0"], form[f"end_{day}_0"] = "09:00", "12:00"
    saved = staff.post("/availability", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert 'value="09:00"' in staff.get("/availability").text

    bad = dict(form, start_0_1="13:00")
    refused = staff.post("/availability", data=bad, follow_redirects=False)
    assert refused.status_code == 422
    assert "Monday window 2" in refused.text

    patient = signed_in(app, "patient")
    home = cast.home_patient_id
    visits = patient.get(f"/patients/{home}/visits")
    assert visits.status_code == 200
    assert "America/Chicago" in visits.text
    match = re.search(
        r'name="clinician_id" value="(\d+)">\s*'
        r'<input type="hidden" name="starts_at" value="([^"]+)">\s*'
        r'<input type="hidden" name="ends_at" value="([^"]+)">',
        visits.text,
    )
    assert match, "no slot offered"
    booked = patient.post(
        f"/patients/{home}/visits",
        data={
            "csrf_token": csrf_from(visits.text),
            "clinician_id": match.group(1),
            "starts_at": match.group(2),
            "ends_at": match.group(3),
        },
        follow_redirects=False,
    )
    assert booked.status_code == 303, booked.text
    visit_url = booked.headers["location"]
    shown = patient.get(visit_url)
    assert "C" + "ST" in shown.text or "CDT" in shown.text
    assert "https://meet.example.org/painpath-" in shown.text
    ics = patient.get(visit_url + "/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text

    schedule = staff.get("/schedule")
    assert visit_url in schedule.text
    assert "CET" in schedule.text or "CEST" in schedule.text

    visit_id = int(visit_url.rsplit("/", 1)[1])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    with app.state.session_factory.begin() as session:
        session.execute(
            update(Visit)
            .where(Visit.id == visit_id)
            .values(starts_at=start, ends_at=start + timedelta(minutes=30))
        )
    page = staff.get(visit_url)
    token = csrf_from(page.text)
    noted = staff.post(
        visit_url + "/note",
        data={
            "csrf_token": token,
            "subjective": "Pain 5/10",
            "assessment": "Stable",
            "plan": "Walk daily",
        },
        follow_redirects=False,
    )
    assert noted.status_code == 303
    done = staff.post(
        visit_url + "/complete",
        data={"csrf_token": token, "minutes": "22", "program": "RTM-MSK"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    after = staff.get(visit_url).text
    assert re.search(r'id="ledger-visit-minutes">22 minutes', after)
    assert re.search(r'id="ledger-minutes">22 minutes', after)
    with app.state.session_factory() as session:
        assert session.scalar(select(Visit.status).where(Visit.id == visit_id)).value == "completed"

    stranger = signed_in(app, "other_patient")
    assert stranger.get(visit_url).status_code == 403
    assert stranger.get(f"/patients/{home}/visits").status_code == 403
    assert stranger.get(visit_url + "/calendar.ics").status_code == 403


def test_a_taken_slot_on_the_page_is_a_clear_409(
    app: FastAPI, cast: Cast, staff: TestClient
) -> None:
    page = staff.get("/availability")
    form = {"csrf_token": csrf_from(page.text), "time_zone": "Europe/Berlin", "slot_minutes": "30"}
    for day in range(7):
        form[f"start_{day}_0"], form[f"end_{day}_0"] = "09:00", "12:00"
    staff.post("/availability", data=form)
    patient = signed_in(app, "patient")
    home = cast.home_patient_id
    visits = patient.get(f"/patients/{home}/visits").text
    fields = dict(
        re.findall(r'name="(clinician_id|starts_at|ends_at)" value="([^"]+)"', visits)[:3]
    )
    fields["csrf_token"] = csrf_from(visits)
    assert (
        patient.post(f"/patients/{home}/visits", data=fields, follow_redirects=False).status_code
        == 303
    )
    again = patient.post(f"/patients/{home}/visits", data=fields, follow_redirects=False)
    assert again.status_code == 409
    assert "just been booked" in again.text


@pytest.mark.parametrize(
    "starts_at",
    ["0001-01-01T00:00:00+00:00", "not-a-time", "2026-12-14T08:00:00", "9999-12-31T23:59:59-12:00"],
)
def test_hostile_booking_forms_get_a_page_naming_the_problem(
    app: FastAPI, cast: Cast, starts_at: str
) -> None:
    patient = signed_in(app, "patient")
    home = cast.home_patient_id
    page = patient.get(f"/patients/{home}/visits")
    response = patient.post(
        f"/patients/{home}/visits",
        data={
            "csrf_token": csrf_from(page.text),
            "clinician_id": str(cast.user_ids["clinician"]),
            "starts_at": starts_at,
            "ends_at": "2026-12-14T08:30:00+00:00",
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "The visit was not booked." in response.text
    with app.state.session_factory() as session:
        assert session.scalars(select(Visit)).all() == []
