"""The therapies-tried page in chromium, under the strict CSP: a clinician follows the link
from the patient page, records a therapy, sees it listed, and marks it entered in error."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_chromium import sign_in

pytestmark = pytest.mark.browser


def test_clinician_records_and_corrects_a_therapy_tried(
    page: Page, live_server: LiveServer
) -> None:
    patient_id = live_server.cast.home_patient_id
    page.goto("/login")
    sign_in(page, "clinician")
    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Therapies tried and how they ended").click()
    expect(page).to_have_url(f"{live_server.base_url}/patients/{patient_id}/care/therapies-tried")
    expect(page.get_by_role("heading", name="Therapies tried", level=1)).to_be_visible()
    expect(page.get_by_text("No therapies tried recorded.")).to_be_visible()

    page.get_by_label("Therapy", exact=True).select_option("duloxetine")
    page.get_by_label("How it ended").select_option("intolerance")
    page.get_by_label("Weeks on it").fill("6")
    page.get_by_label("Note").fill("nausea")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_have_text("Recorded: Duloxetine, not tolerated.")
    row = page.get_by_role("row").filter(has_text="Duloxetine")
    expect(row).to_contain_text("Not tolerated")
    expect(row).to_contain_text("in use")

    row.get_by_label("Why Duloxetine was entered in error").fill("wrong patient")
    row.get_by_role("button", name="Mark entered in error").click()
    expect(page.get_by_role("status")).to_contain_text("Marked entered in error")
    expect(page.get_by_role("row").filter(has_text="Duloxetine")).to_contain_text("wrong patient")
