"""The patient app in Debian's chromium: it installs (manifest, service worker controlling the
page, pages open offline), entries made offline reach the server exactly once when the phone is
back online and raise the clinician's live alert in another browser, the body map works from the
keyboard, and a wearable upload shows its progress to 100 %."""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect
from sqlalchemy import create_engine, func, select

from painpath.kit.clock import utcnow
from painpath.models.medication import MedicationAdministration
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.wearable import WearableImport
from painpath.web.ui.app_shell import shell_version
from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_chromium import sign_in
from tests.browser.waiting import wait_until_true
from tests.support.cohort import PASSWORD

pytestmark = pytest.mark.browser

PRN_ALERT = "Opioid taken above the prescribed maximum"
LIVE_MS = 15_000
#: Installability errors about the test browser, not the app: Playwright's contexts are
#: private profiles, and the live server speaks http on 127.0.0.1.
BROWSER_NOT_APP = {"in-incognito", "not-from-secure-origin"}
EXAMPLE_EXPORT = Path(__file__).parents[2] / "examples" / "wearables" / "apple-health-export.zip"


def keep_screenshot(page: Page, name: str) -> None:
    """A full-page PNG of `page` when PAINPATH_SCREENSHOTS names a folder (390 px phone pages,
    1280 px desk pages)."""
    folder = os.environ.get("PAINPATH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"patient-app-{name}.png"), full_page=True)


def count(live_server: LiveServer, model: type[Any], **filters: object) -> int:
    engine = create_engine(live_server.database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).select_from(model).filter_by(**filters)
            return int(connection.scalar(query) or 0)
    finally:
        engine.dispose()


def _context(browser: Browser, live_server: LiveServer, **options: Any) -> BrowserContext:
    context = browser.new_context(base_url=live_server.base_url, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = _context(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def desk_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = _context(browser, live_server, viewport={"width": 1280, "height": 900})
    try:
        yield context
    finally:
        context.close()


#: A shell cache an earlier version of the worker left behind.
OLD_SHELL = "painpath-shell-0000000000000000"


def open_app(page: Page, username: str, *, old_cache: bool = False) -> None:
    """Sign in, open the app from the header, and wait until the worker controls the page and
    has kept the app's pages for offline use (`old_cache`: leave an older version's cache
    first)."""
    page.goto("/login")
    if old_cache:
        page.evaluate(
            f"""async () => (await caches.open("{OLD_SHELL}"))
                .put("/static/app/app.js", new Response("// old"))"""
        )
    sign_in(page, username)
    page.get_by_role("link", name="Phone app").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_until_true(
        page,
        """async () => {
            const pages = await caches.open("painpath-pages");
            const kept = await Promise.all(
                ["/app/", "/app/diary", "/app/doses"].map((path) => pages.match(path)));
            return kept.every(Boolean);
        }""",
    )


def test_the_app_installs_and_opens_offline(
    phone_context: BrowserContext, live_server: LiveServer
) -> None:
    page = phone_context.new_page()
    open_app(page, "patient", old_cache=True)
    manifest_link = page.locator('link[rel="manifest"]')
    expect(manifest_link).to_have_attribute("href", "/app/manifest.webmanifest")
    manifest = page.request.get("/app/manifest.webmanifest")
    assert manifest.ok
    data = json.loads(manifest.text())
    assert data["display"] == "standalone"
    assert data["scope"] == "/app/"
    for icon in data["icons"]:
        assert page.request.get(icon["src"]).ok, icon["src"]
    # Chromium's own installability check finds nothing wrong with the manifest, its icons or
    # the worker; only the test browser itself is in the way (a private profile over http).
    cdp = phone_context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    found = {error["errorId"] for error in errors} - BROWSER_NOT_APP
    assert found == set()
    scope = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    assert scope == f"{live_server.base_url}/app/sw.js"
    caches = page.evaluate("caches.keys()")
    shells = [name for name in caches if re.fullmatch(r"painpath-shell-[0-9a-f]{16}", name)]
    # The new worker's activation deleted the older version's cache: one shell cache is left.
    assert shells == [f"painpath-shell-{shell_version()}"]
    assert OLD_SHELL not in caches
    keep_screenshot(page, "app-home")

    phone_context.set_offline(True)
    response = page.goto("/app/diary")
    assert response is not None
    assert response.from_service_worker
    expect(page.get_by_role("heading", name="Pain diary", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Lower back")).to_be_visible()
    # Really offline: the network refuses the page's own requests.
    refused = page.evaluate("() => fetch('/health').then(() => 'reached', () => 'refused')")
    assert refused == "refused"
    phone_context.set_offline(False)

    # Signing out leaves none of the record's pages behind in the browser.
    page.goto("/app/")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    assert "painpath-pages" not in page.evaluate("caches.keys()")


def _other_clinician(client: httpx.Client) -> dict[str, str]:
    login = client.post(
        "/api/auth/token", json={"username": "other_clinician", "password": PASSWORD}
    )
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_questionnaire_answered_offline_is_sent_once_back_online(
    phone_context: BrowserContext, live_server: LiveServer
) -> None:
    patient = live_server.cast.foreign_patient_id
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        assigned = client.post(
            f"/api/patients/{patient}/questionnaire-assignments",
            json={
                "instrument": "peg",
                "recurrence": "once",
                "starts_at": (utcnow() - timedelta(minutes=5)).isoformat(),
                "window_minutes": 24 * 60,
            },
            headers=_other_clinician(client),
        )
        assert assigned.status_code == 201, assigned.text
    page = phone_context.new_page()
    open_app(page, "other_patient")
    page.get_by_role("navigation", name="App").get_by_role("link", name="Questionnaires").click()
    answer = page.get_by_role("link", name="Answer PEG-3")
    path = answer.get_attribute("href")
    assert path is not None
    # The page asked the worker to keep the form it links to.
    wait_until_true(
        page,
        "async (path) => Boolean(await (await caches.open('painpath-pages')).match(path))",
        path,
    )
    phone_context.set_offline(True)
    # What a person sees before tapping: the page knows it is offline (app.js marks the root).
    expect(page.locator("html")).to_have_attribute("data-online", "false")
    answer.click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", name="PEG-3", level=1)).to_be_visible()
    for group in page.locator("fieldset[data-item]").all():
        group.locator("label").nth(4).click()
    page.get_by_role("button", name="Send answers").click()
    status = page.locator("#sync-status")
    expect(status).to_contain_text("1 entry saved on this phone")
    assert count(live_server, QuestionnaireResponse, patient_id=patient) == 0
    phone_context.set_offline(False)
    expect(status).to_contain_text("All entries sent", timeout=LIVE_MS)
    assert count(live_server, QuestionnaireResponse, patient_id=patient, questionnaire="peg") == 1


def _setup_prn(live_server: LiveServer) -> int:
    """The foreign patient's clinician prescribes oxycodone at most twice a day as needed, and
    two doses are already logged today (API)."""
    patient = live_server.cast.foreign_patient_id
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        headers = _other_clinician(client)
        order = client.post(
            f"/api/patients/{patient}/medication-requests",
            json={
                "rxnorm_code": "7804",
                "dose_value": 5,
                "dose_unit": "mg",
                "frequency": 1,
                "period": 12,
                "period_unit": "h",
                "as_needed": True,
                "start_date": date(2026, 1, 15).isoformat(),
            },
            headers=headers,
        )
        assert order.status_code == 201, order.text
        order_id = int(order.json()["id"])
        now = utcnow().isoformat()
        seeded = client.post(
            f"/api/patients/{patient}/sync",
            json={
                "batch_id": "seed-prn",
                "items": [
                    {
                        "kind": "dose_log",
                        "client_id": f"seed-{index}",
                        "medication_request_id": order_id,
                        "effective_at": now,
                        "as_needed": True,
                    }
                    for index in range(2)
                ],
            },
            headers=headers,
        )
        assert seeded.status_code == 200, seeded.text
        return order_id


def test_offline_pain_and_prn_dose_sync_once_and_alert_the_open_panel(
    phone_context: BrowserContext, desk_context: BrowserContext, live_server: LiveServer
) -> None:
    patient = live_server.cast.foreign_patient_id
    _setup_prn(live_server)
    doses_before = count(live_server, MedicationAdministration, patient_id=patient)
    assert doses_before == 2
    # The live server is shared by the session's browser tests: count from what is there.
    diary_before = count(live_server, PainDiaryEntry, patient_id=patient)
    nines_before = count(live_server, PainDiaryEntry, patient_id=patient, pain=9)

    dashboard = desk_context.new_page()
    dashboard.goto("/login")
    sign_in(dashboard, "other_clinician")
    alerts = dashboard.locator("#alerts")
    expect(alerts).to_have_attribute("data-live", "connected")
    expect(alerts.get_by_role("listitem").filter(has_text=PRN_ALERT)).to_have_count(0)
    dashboard.evaluate("window.__sameDocument = true")

    phone = phone_context.new_page()
    open_app(phone, "other_patient")
    # Every sync request the page sends, and the first one answered as if the line dropped
    # after the server stored it: the app must send the same batch again, not a new one.
    sent: list[dict[str, Any]] = []

    def drop_first_answer(route: Route, request: Request) -> None:
        sent.append(json.loads(request.post_data or "{}"))
        answer = route.fetch()
        if len(sent) == 1:
            assert answer.status == 200
            route.abort("connectionreset")
        else:
            route.fulfill(response=answer)

    phone.get_by_role("link", name="Diary", exact=True).click()
    expect(phone.get_by_role("heading", name="Pain diary", level=1)).to_be_visible()
    phone_context.set_offline(True)
    phone.locator("label[for=pain-9]").tap()
    phone.get_by_role("button", name="Lower back").tap()
    phone.get_by_role("button", name="Save entry").tap()
    status = phone.locator("#sync-status")
    expect(status).to_contain_text("1 entry saved on this phone")
    expect(phone.locator("#app-notice")).to_contain_text("Saved: pain 9 out of 10")

    phone.get_by_role("link", name="Medicines", exact=True).tap()
    expect(phone.get_by_role("heading", name="Medicines", level=1)).to_be_visible()
    phone.get_by_role("button", name=re.compile(r"^I took a dose now\W+oxycodone$")).tap()
    status = phone.locator("#sync-status")
    expect(status).to_contain_text("2 entries saved on this phone")
    keep_screenshot(phone, "app-offline-waiting")
    assert count(live_server, PainDiaryEntry, patient_id=patient) == diary_before
    assert count(live_server, MedicationAdministration, patient_id=patient) == 2

    phone.route("**/api/patients/*/sync", drop_first_answer)
    phone_context.set_offline(False)
    expect(status).to_contain_text("All entries sent", timeout=LIVE_MS)
    # The diary entry's batch was made when the first (offline) send failed; it goes twice,
    # unchanged (its first answer was lost), then the dose goes in a batch of its own.
    assert sent[0] == sent[1], "the retry must be the same batch"
    assert len({batch["batch_id"] for batch in sent}) == len(sent) - 1 == 2
    kinds = [item["kind"] for batch in sent[1:] for item in batch["items"]]
    assert sorted(kinds) == ["dose_log", "pain_diary_entry"]
    assert count(live_server, PainDiaryEntry, patient_id=patient, pain=9) == nines_before + 1
    assert count(live_server, MedicationAdministration, patient_id=patient) == 3

    # Replaying the batch by hand changes nothing either.
    replay = phone.evaluate(
        """async (body) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch(`/api/patients/${body.patient}/sync`, {
                method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
                body: JSON.stringify(body.batch)});
            return [response.status, response.headers.get("Idempotent-Replayed")];
        }""",
        {"patient": patient, "batch": sent[0]},
    )
    assert replay == [200, "true"]
    assert count(live_server, PainDiaryEntry, patient_id=patient) == diary_before + 1
    assert count(live_server, MedicationAdministration, patient_id=patient) == 3

    urgent = alerts.get_by_role("listitem").filter(has_text=PRN_ALERT)
    expect(urgent).to_have_count(1, timeout=LIVE_MS)
    expect(urgent).to_contain_text("Farah Synthetic")
    assert dashboard.evaluate("window.__sameDocument === true"), "the panel was reloaded"
    keep_screenshot(dashboard, "app-panel-live-alert")


def test_body_map_by_keyboard(phone_context: BrowserContext, live_server: LiveServer) -> None:
    page = phone_context.new_page()
    page.goto("/login")
    sign_in(page, "patient")
    page.goto("/app/diary")
    neck = page.get_by_role("button", name="Neck", exact=True)
    neck.focus()
    expect(neck).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused area must show a visible outline"
    page.keyboard.press("Space")
    expect(neck).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")
    following = page.evaluate("document.activeElement.dataset.region")
    assert following
    page.keyboard.press("Enter")
    expect(page.locator(f'button[data-region="{following}"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(neck).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-region-summary]")).to_have_text(re.compile(r"^Chosen: [^,]+\.$"))
    # The day list is the patient's own calendar (America/Chicago), made in the browser.
    today = datetime.now(ZoneInfo("America/Chicago")).date()
    days = page.locator("select[name=local_date] option")
    expect(days).to_have_count(7)
    expect(days.first).to_have_attribute("value", today.isoformat())
    expect(days.nth(1)).to_have_attribute("value", (today - timedelta(days=1)).isoformat())
    expect(days.nth(1)).to_have_text(re.compile(r"^Yesterday, "))


def _big_export(folder: Path) -> Path:
    """The example Apple Health export, padded with an unread member so the upload takes
    several progress events (stored uncompressed: its size is what goes over the wire)."""
    target = folder / "export.zip"
    with zipfile.ZipFile(EXAMPLE_EXPORT) as source, zipfile.ZipFile(target, "w") as copy:
        for member in source.infolist():
            copy.writestr(member, source.read(member))
        copy.writestr("apple_health_export/notes.txt", b"synthetic padding\n" * 200_000)
    return target


def test_wearable_upload_shows_progress_and_lands(
    phone_context: BrowserContext, live_server: LiveServer, tmp_path: Path
) -> None:
    page = phone_context.new_page()
    page.goto("/login")
    sign_in(page, "patient")
    page.goto("/app/upload")
    before = count(live_server, WearableImport, patient_id=live_server.cast.home_patient_id)
    page.evaluate(
        """() => {
            window.__progress = [];
            const bar = document.querySelector("progress");
            new MutationObserver(() => window.__progress.push(bar.value))
                .observe(bar, {attributes: true});
            const percent = document.querySelector("[data-percent]");
            new MutationObserver(() => window.__progress.push(percent.textContent))
                .observe(percent, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.get_by_label("Export file").set_input_files(str(_big_export(tmp_path)))
    page.get_by_role("button", name="Send the file").tap()
    expect(page.locator("#upload-result")).to_contain_text("Imported", timeout=30_000)
    expect(page.locator("[data-percent]")).to_have_text("100 %")
    assert page.locator("progress").evaluate("bar => bar.value") == 100
    seen = page.evaluate("window.__progress")
    assert "100 %" in seen
    after = count(live_server, WearableImport, patient_id=live_server.cast.home_patient_id)
    assert after == before + 1
    keep_screenshot(page, "app-upload")
