"""Two server processes behind one database (PostgreSQL): the clinician's panel is open in
chromium on process B; the patient answers a PHQ-9 through process A; the urgent alert appears
on B's panel without a reload, carried by LISTEN/NOTIFY between the processes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from tests.browser.test_pages_in_chromium import sign_in
from tests.support.cohort import PASSWORD, Cast
from tests.support.server_processes import server_processes

pytestmark = pytest.mark.browser

ALERT_TITLE = "PHQ-9 item 9 positive: thoughts of self-harm"
#: A guard for a loaded machine, not a speed requirement.
LIVE_MILLISECONDS = 60_000


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_panel_on_one_process_shows_an_alert_raised_through_another(
    chromium: Path, browser: Browser, app: FastAPI, cast: Cast, database_url: str, tmp_path: Path
) -> None:
    app.state.engine.dispose()
    with server_processes(database_url, tmp_path, 2) as (a, b):
        context = browser.new_context(base_url=b, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        try:
            page = context.new_page()
            page.goto("/login")
            sign_in(page, "clinician")
            panel = page.locator("#alerts")
            expect(panel).to_have_attribute("data-live", "connected")
            expect(panel.get_by_role("listitem").filter(has_text=ALERT_TITLE)).to_have_count(0)
            page.evaluate("window.__sameDocument = true")
            with httpx.Client(base_url=a, timeout=30, trust_env=False) as through_a:
                login = through_a.post(
                    "/api/auth/token", json={"username": "patient", "password": PASSWORD}
                )
                headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
                posted = through_a.post(
                    f"/api/patients/{cast.home_patient_id}/questionnaire-responses",
                    json={
                        "instrument": "phq-9",
                        "answers": [0, 1, 1, 0, 0, 0, 0, 0, 1],
                        "authored_at": "2026-12-01T20:00:00-06:00",
                    },
                    headers=headers,
                )
                assert posted.status_code == 201, posted.text
            urgent = panel.get_by_role("listitem").filter(has_text=ALERT_TITLE)
            expect(urgent).to_have_count(1, timeout=LIVE_MILLISECONDS)
            expect(urgent).to_contain_text("urgent")
            assert page.evaluate("window.__sameDocument === true"), "the panel was reloaded"
        finally:
            context.close()
