"""Care plans in a real browser: a clinician builds the plan from the suggestions with their
reasons and sources on screen, books a course and a PRP series and records attendance; the
patient signs in and sees their plan and what is due next."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_chromium import sign_in

pytestmark = pytest.mark.browser


def test_clinician_builds_a_plan_from_the_suggestions_and_the_patient_sees_it(
    page: Page, live_server: LiveServer
) -> None:
    home = live_server.cast.home_patient_id
    page.goto("/login")
    sign_in(page, "clinician")
    page.goto(f"/patients/{home}")
    page.get_by_role("link", name="Care plan and suggestions").click()
    expect(page).to_have_url(f"{live_server.base_url}/patients/{home}/care")
    expect(page.get_by_role("heading", name="Care plan", level=1)).to_be_visible()

    suggestions = page.locator("#suggestions")
    cbt = suggestions.locator('[data-suggestion="cbt"]')
    expect(cbt).to_be_visible()
    expect(cbt.locator(".reason").first).to_contain_text("ACP 2017")  # the reason
    expect(cbt.locator(".source").first).to_contain_text("Qaseem")  # and its source
    cbt.get_by_role("button", name=re.compile("^Add to plan")).click()
    expect(page.get_by_role("status")).to_have_text("Added to the plan as proposed.")
    activity = page.locator('[data-activity="cbt"]')
    expect(activity.locator("[data-activity-status]")).to_have_text("proposed")
    expect(activity).to_contain_text("Why: first line")

    # A goal the wearable can meet.
    page.get_by_label("Kind").select_option("daily_steps_min")
    page.get_by_label("Counts from").fill("2026-01-05")
    page.get_by_role("button", name="Add goal").click()
    expect(page.get_by_role("status")).to_have_text("Goal added.")
    expect(page.locator('[data-goal="daily_steps_min"]')).to_contain_text("6,000 steps")

    # The CBT course, booked from its template (weekly, 8 sessions).
    activity.get_by_label("Course", exact=True).select_option("cbt_weekly")
    activity.get_by_label("First session").fill("2030-01-07")
    activity.get_by_role("button", name="Book sessions").click()
    expect(page.get_by_role("status")).to_have_text("Sessions booked.")
    expect(page.locator('[data-activity="cbt"] caption')).to_have_text("Sessions: 0 of 8 attended")

    # A PRP series, from the full therapy list, with its first injection recorded.
    page.get_by_label("Add another therapy").select_option("prp_injection")
    page.get_by_role("button", name="Add as proposed").click()
    prp = page.locator('[data-activity="prp_injection"]')
    prp.get_by_label("Course", exact=True).select_option("prp_series")
    prp.get_by_label("First session").fill("2026-01-06")
    prp.get_by_role("button", name="Book sessions").click()
    prp = page.locator('[data-activity="prp_injection"]')
    prp.get_by_label(re.compile("Attendance at session 1 of")).select_option("attended")
    prp.get_by_role("button", name="Record").first.click()
    expect(page.get_by_role("status")).to_have_text("Attendance recorded.")
    prp = page.locator('[data-activity="prp_injection"]')
    expect(prp.locator("[data-activity-status]")).to_have_text("active")  # first one held
    expect(prp.locator("caption")).to_have_text("Sessions: 1 of 3 attended")

    # Stopping without a reason is refused and says why.
    prp.get_by_label("Status", exact=True).select_option("stopped")
    prp.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("alert")).to_contain_text("needs a reason")
    expect(page.locator('[data-activity="prp_injection"] [data-activity-status]')).to_have_text(
        "active"
    )

    page.get_by_role("button", name="Sign out").click()
    page.goto("/login")
    sign_in(page, "patient")
    page.get_by_role("link", name="My care plan").first.click()
    expect(page.get_by_role("heading", name="My care plan", level=1)).to_be_visible()
    due = page.locator("#due")
    expect(due.locator("[data-due-session]").first).to_contain_text(
        "Platelet-rich plasma injection: session 2 of 3 on Tuesday 13 January 2026"
    )
    expect(due).to_contain_text(
        "Cognitive behavioural therapy for pain: session 1 of 8 on Monday 7 January 2030"
    )
    expect(due.locator("[data-goal-to-work-on]")).to_contain_text(
        "Walk 6,000 steps a day on at least 5 days a week"
    )
    expect(page.locator("#my-activities")).to_contain_text("1 of 3 sessions attended")
    expect(page.get_by_role("button", name="Add to plan")).to_have_count(0)
