"""Video visits in chromium: the clinician (Europe/Berlin) sets weekday hours; the patient
(America/Chicago) books on a phone and sees the visit on their own clock, with the join link
and the calendar file; the clinician sees it on theirs, opens it, writes the SOAP note,
completes it, and the minutes appear in the ledger. Another patient's visits stay closed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import create_engine, select, update

from painpath.models import Visit, VisitStatus
from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_chromium import sign_in

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")


def keep(page: Page, name: str) -> None:
    folder = os.environ.get("PAINPATH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"visits-{name}.png"), full_page=True)


@pytest.fixture
def two_browsers(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, Page]]:
    phone = browser.new_context(
        base_url=live_server.base_url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    desk = browser.new_context(base_url=live_server.base_url, viewport=DESKTOP)
    for context in (phone, desk):
        context.set_default_timeout(15_000)
    try:
        yield phone.new_page(), desk.new_page()
    finally:
        phone.close()
        desk.close()


def local(moment: datetime, zone: ZoneInfo) -> str:
    shown = moment.astimezone(zone)
    return f"{shown:%H:%M} {shown.tzname()}"


def test_a_booked_visit_from_both_sides_to_the_ledger(
    two_browsers: tuple[Page, Page], live_server: LiveServer
) -> None:
    patient, clinician = two_browsers
    home = live_server.cast.home_patient_id
    base = live_server.base_url

    # The clinician keeps weekday mornings, on their own clock in Berlin.
    clinician.goto("/login")
    sign_in(clinician, "clinician")
    clinician.get_by_role("navigation", name="Main").get_by_role("link", name="My schedule").click()
    clinician.get_by_role("link", name="Set my availability").click()
    expect(clinician.get_by_role("heading", level=1)).to_have_text(
        "My availability for video visits"
    )
    clinician.get_by_label("Time zone (IANA name, e.g. Europe/Berlin)").fill("Europe/Berlin")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        clinician.get_by_label(f"{day} window 1 from").fill("09:00")
        clinician.get_by_label(f"{day} window 1 until").fill("12:00")
    clinician.get_by_role("button", name="Save weekly hours").click()
    expect(clinician.get_by_role("status")).to_have_text("Availability saved.")
    keep(clinician, "availability-1280")

    # The patient books the first free time on a phone, from their record.
    patient.goto("/login")
    sign_in(patient, "patient")
    expect(patient).to_have_url(f"{base}/patients/{home}")
    patient.get_by_role("link", name="Video visits").first.tap()
    expect(patient.get_by_role("heading", name="Video visits", level=1)).to_be_visible()
    expect(
        patient.get_by_text("Times are shown in your time zone, America/Chicago.")
    ).to_be_visible()
    assert patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    keep(patient, "book-390")
    patient.locator("#book button.slot").first.tap()
    expect(patient.get_by_role("status")).to_contain_text("Booked: video visit on")
    visit_url = patient.url
    visit_id = int(visit_url.rsplit("/", 1)[1])

    engine = create_engine(live_server.database_url)
    try:
        with engine.connect() as connection:
            starts_at = connection.execute(
                select(Visit.starts_at).where(Visit.id == visit_id)
            ).scalar_one()
        starts_at = starts_at.replace(tzinfo=UTC) if starts_at.tzinfo is None else starts_at
        # The patient's page shows the time in Chicago.
        expect(patient.locator("#visit-when")).to_contain_text(local(starts_at, CHICAGO))
        join = patient.get_by_role("link", name="Join video visit")
        expect(join).to_have_attribute(
            "href", re.compile(r"^https://meet\.example\.org/[\w-]{32,}$")
        )
        with patient.expect_download() as download:
            patient.get_by_role("link", name="Add to calendar (.ics)").tap()
        calendar = Path(download.value.path()).read_text()
        assert "BEGIN:VEVENT" in calendar
        assert f"DTSTART:{starts_at:%Y%m%dT%H%M%SZ}" in calendar
        keep(patient, "visit-390")
        patient.goto(f"/patients/{home}/visits")
        upcoming = patient.locator("#upcoming")
        expect(upcoming).to_contain_text(local(starts_at, CHICAGO))

        # The clinician's schedule shows the same visit on the Berlin clock.
        clinician.get_by_role("navigation", name="Main").get_by_role(
            "link", name="My schedule"
        ).click()
        row = clinician.locator(f"tr[data-visit-id='{visit_id}']")
        expect(row).to_contain_text(local(starts_at, BERLIN))
        keep(clinician, "schedule-1280")

        # The visit's hour comes (moved into the past: the test cannot wait for it).
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        with engine.begin() as connection:
            connection.execute(
                update(Visit)
                .where(Visit.id == visit_id)
                .values(starts_at=start, ends_at=start + timedelta(minutes=30))
            )
        clinician.reload()
        clinician.locator(f"tr[data-visit-id='{visit_id}']").get_by_role("link").click()
        expect(clinician).to_have_url(visit_url)
        clinician.get_by_label("Subjective").fill("Low back pain 5/10; sleeping better.")
        clinician.get_by_label("Objective").fill("Video exam: walks without aid.")
        clinician.get_by_label("Assessment").fill("Chronic low back pain, improving.")
        clinician.get_by_label("Plan").fill("Continue exercise; review in 4 weeks.")
        clinician.get_by_role("button", name="Save note").click()
        expect(clinician.get_by_role("status")).to_have_text("Note saved.")
        clinician.get_by_label("Minutes spent with the patient").fill("25")
        clinician.get_by_label("Remote-monitoring program").select_option("RTM-MSK")
        clinician.get_by_role("button", name="Complete visit").click()
        expect(clinician.get_by_role("status")).to_have_text(
            "Visit completed: 25 minutes in the ledger."
        )
        expect(clinician.locator("#visit-status")).to_have_text("completed")
        expect(clinician.locator("#ledger-visit-minutes")).to_have_text("25 minutes")
        expect(clinician.locator("#ledger-minutes")).to_contain_text("minutes")
        total = int(clinician.locator("#ledger-minutes").inner_text().split()[0])
        assert total >= 25
        keep(clinician, "completed-1280")
        with engine.connect() as connection:
            status = connection.execute(
                select(Visit.status).where(Visit.id == visit_id)
            ).scalar_one()
        assert status == VisitStatus.completed.value or status == VisitStatus.completed
    finally:
        engine.dispose()

    # Another patient's visits are closed to this patient.
    foreign = live_server.cast.foreign_patient_id
    response = patient.goto(f"/patients/{foreign}/visits")
    assert response is not None
    assert response.status == 403
    response = patient.goto(f"/patients/{foreign}/visits/{visit_id}")
    assert response is not None
    assert response.status == 403
