"""A PHQ-9 answer reaches the clinician's open dashboard live: the patient answers item 9 above 0
on their phone, sees the safety message, and the clinician's panel — open in another browser,
never reloaded — shows the urgent alert, which the clinician then acknowledges and resolves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from painpath.kit.clock import utcnow
from tests.browser.conftest import LiveServer
from tests.browser.test_monitoring_diary import keep_screenshot
from tests.browser.test_pages_in_chromium import sign_in
from tests.support.cohort import PASSWORD

pytestmark = pytest.mark.browser

ALERT_TITLE = "PHQ-9 item 9 positive: thoughts of self-harm"
#: Items 1-8 answered "Several days" twice and "Not at all" otherwise; item 9 "Several days".
PHQ9_ANSWERS = {1: "Several days", 4: "Several days", 9: "Several days"}
LIVE_SECONDS = 15_000


def assign_phq9(live_server: LiveServer) -> int:
    """A one-off PHQ-9 for the home patient, open now, assigned by their clinician (API)."""
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        login = client.post("/api/auth/token", json={"username": "clinician", "password": PASSWORD})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        response = client.post(
            f"/api/patients/{live_server.cast.home_patient_id}/questionnaire-assignments",
            json={
                "instrument": "phq-9",
                "recurrence": "once",
                "starts_at": (utcnow() - timedelta(minutes=5)).isoformat(),
                "window_minutes": 24 * 60,
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])


def _context(browser: Browser, live_server: LiveServer, **options: Any) -> BrowserContext:
    context = browser.new_context(base_url=live_server.base_url, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def clinician_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = _context(browser, live_server, viewport={"width": 1200, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def patient_phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = _context(
        browser,
        live_server,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def _answer(page: Page, item: int, answer: str) -> None:
    question = page.get_by_role("group", name=re.compile(rf"^{item}\. "))
    question.get_by_text(answer, exact=True).tap()
    expect(question.get_by_role("radio", name=answer, exact=True)).to_be_checked()


def test_phq9_item9_reaches_the_open_dashboard_live_and_is_worked(
    clinician_page: Page, patient_phone: Page, live_server: LiveServer
) -> None:
    assign_phq9(live_server)
    dashboard = clinician_page
    dashboard.goto("/login")
    sign_in(dashboard, "clinician")
    panel = dashboard.locator("#alerts")
    expect(panel.get_by_role("heading", name="Open alerts")).to_be_visible()
    expect(panel).to_have_attribute("data-live", "connected")
    expect(panel.get_by_role("listitem").filter(has_text=ALERT_TITLE)).to_have_count(0)
    # Marks this very document: a reload would wipe it.
    dashboard.evaluate("window.__sameDocument = true")

    phone = patient_phone
    phone.goto("/login")
    sign_in(phone, "patient")
    phone.get_by_role("link", name="Questionnaires", exact=True).tap()
    phone.get_by_role("link", name="Answer PHQ-9").tap()
    expect(phone.get_by_role("heading", name="PHQ-9", level=1)).to_be_visible()

    # Item 9 alone: refused with the engine's message naming the missing items, and the safety
    # information shown at once, because the answers are not sent yet.
    _answer(phone, 9, "Several days")
    phone.get_by_role("button", name="Send answers").tap()
    expect(phone.get_by_role("alert")).to_contain_text(
        "PHQ-9 items 1, 2, 3, 4, 5, 6, 7, 8: unanswered"
    )
    expect(phone.get_by_role("group", name=re.compile(r"^1\. "))).to_contain_text(
        "Not answered yet."
    )
    expect(phone.get_by_text("988").first).to_be_visible()
    item9 = phone.get_by_role("group", name=re.compile(r"^9\. "))
    expect(item9.get_by_role("radio", name="Several days")).to_be_checked()

    for item in range(1, 9):
        _answer(phone, item, PHQ9_ANSWERS.get(item, "Not at all"))
    phone.get_by_role("button", name="Send answers").tap()
    safety = phone.get_by_role("alert")
    expect(safety.get_by_role("heading", name="Your care team has been alerted")).to_be_visible()
    expect(safety).to_contain_text("988")
    expect(safety).to_contain_text("911")
    keep_screenshot(phone, "phq9-safety")

    urgent = panel.get_by_role("listitem").filter(has_text=ALERT_TITLE)
    expect(urgent).to_have_count(1, timeout=LIVE_SECONDS)
    expect(urgent).to_contain_text("urgent")
    expect(urgent.get_by_role("link", name="Hana Synthetic")).to_be_visible()
    assert dashboard.evaluate("window.__sameDocument === true"), "the dashboard was reloaded"
    keep_screenshot(dashboard, "panel-live-alert")

    urgent.get_by_role("button", name="Acknowledge").click()
    expect(dashboard.locator(".notice")).to_have_text(f"Alert acknowledged: {ALERT_TITLE}.")
    urgent = dashboard.locator("#alerts").get_by_role("listitem").filter(has_text=ALERT_TITLE)
    expect(urgent).to_contain_text("acknowledged")
    expect(urgent.get_by_role("button", name="Acknowledge")).to_have_count(0)
    urgent.get_by_role("link", name="Hana Synthetic").click()
    summary = dashboard.locator("#monitoring")
    expect(summary.get_by_role("heading", name="Remote monitoring")).to_be_visible()
    expect(summary.get_by_role("row").filter(has_text="PHQ-9")).to_contain_text("Score 3")
    expect(summary.get_by_role("listitem").filter(has_text=ALERT_TITLE)).to_contain_text(
        "acknowledged"
    )
    keep_screenshot(dashboard, "summary-monitoring")
    dashboard.emulate_media(media="print")
    expect(summary.get_by_role("button", name="Resolve")).to_be_hidden()
    expect(dashboard.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(summary.get_by_role("heading", name="Questionnaire scores")).to_be_visible()
    dashboard.emulate_media(media="screen")
    dashboard.go_back()
    urgent = dashboard.locator("#alerts").get_by_role("listitem").filter(has_text=ALERT_TITLE)
    urgent.get_by_label("Resolution note").fill("Called the patient; safety plan in place")
    urgent.get_by_role("button", name="Resolve").click()
    expect(dashboard.locator(".notice")).to_have_text(f"Alert resolved: {ALERT_TITLE}.")
    expect(
        dashboard.locator("#alerts").get_by_role("listitem").filter(has_text=ALERT_TITLE)
    ).to_have_count(0)
