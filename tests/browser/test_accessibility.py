"""Accessibility of every main page, as each role of the demo meets it, at phone and desk widths.

`painpath demo run` is started for real (with a lab report and a questionnaire added, as in the
demo walk); each page of `MAIN_PAGES` is opened as its role at 390 px and 1280 px, axe-core
runs over it, and any serious or critical violation fails the test. Every page is saved as a
full-page screenshot and its axe report as JSON into the artifacts directory
(PAINPATH_ARTIFACTS_DIR, else `artifacts/` under the pytest temporary directory).

New pages: add a `MainPage` to `MAIN_PAGES` (the list is the one place).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from painpath.demo.staff import featured_logins
from tests.browser.accessibility import (
    artifacts_dir,
    failing,
    run_axe,
    save_report,
)
from tests.support.demo_server import DemoServer, add_a_lab_report_and_a_questionnaire, demo_server
from tests.support.page_walk import show_in_test_output

pytestmark = pytest.mark.browser

PATIENTS = 8
#: A phone (iPhone 12-15 class) and a desk screen, in CSS pixels.
WIDTHS = {390: 844, 1280: 900}
LOGINS = {login.role.value: login.username for login in featured_logins()}


@dataclass(frozen=True)
class MainPage:
    """A page to check: opened as `role` at `path` (`{patient_id}` is the featured demo
    patient), then, if `follow` is a CSS selector, through the first link it matches."""

    name: str
    role: str  # "anonymous" or a demo role
    path: str
    follow: str | None = None

    def __str__(self) -> str:
        return self.name


MAIN_PAGES = [
    MainPage("sign-in", "anonymous", "/login"),
    MainPage("reset-password", "anonymous", "/reset-password"),
    MainPage("clinician-panel", "clinician", "/panel"),
    MainPage("clinician-patient-summary", "clinician", "/patients/{patient_id}"),
    MainPage("clinician-pgx", "clinician", "/patients/{patient_id}/pgx"),
    MainPage(
        "clinician-pgx-report", "clinician", "/patients/{patient_id}/pgx", "a[href*='/reports/']"
    ),
    MainPage("clinician-pgx-current", "clinician", "/patients/{patient_id}/pgx/current"),
    MainPage("clinician-diary", "clinician", "/patients/{patient_id}/diary"),
    MainPage("clinician-questionnaires", "clinician", "/patients/{patient_id}/questionnaires"),
    MainPage("clinician-account-security", "clinician", "/account/security"),
    MainPage("clinician-messages-inbox", "clinician", "/messages"),
    MainPage("clinician-patient-messages", "clinician", "/patients/{patient_id}/messages"),
    MainPage(
        "clinician-message-thread",
        "clinician",
        "/patients/{patient_id}/messages",
        "a.thread-subject",
    ),
    MainPage("clinician-pain-summary", "clinician", "/patients/{patient_id}/pain-summary"),
    MainPage("clinician-care-plan", "clinician", "/patients/{patient_id}/care"),
    MainPage(
        "clinician-therapies-tried", "clinician", "/patients/{patient_id}/care/therapies-tried"
    ),
    MainPage("clinician-therapies", "clinician", "/patients/{patient_id}/therapies"),
    MainPage(
        "clinician-therapy-course",
        "clinician",
        "/patients/{patient_id}/therapies",
        "main a[href*='/therapies/']",
    ),
    MainPage("clinician-visits", "clinician", "/patients/{patient_id}/visits"),
    MainPage(
        "clinician-visit",
        "clinician",
        "/patients/{patient_id}/visits",
        "main a[href*='/visits/']:not([href$='.ics'])",
    ),
    MainPage("clinician-schedule", "clinician", "/schedule"),
    MainPage("clinician-availability", "clinician", "/availability"),
    MainPage("pharmacist-panel", "pharmacist", "/panel"),
    MainPage("pharmacist-pain-summary", "pharmacist", "/patients/{patient_id}/pain-summary"),
    MainPage("pharmacist-patient-summary", "pharmacist", "/panel", "table.data tbody a"),
    MainPage("patient-record", "patient", "/patients/{patient_id}"),
    MainPage("patient-diary", "patient", "/patients/{patient_id}/diary"),
    MainPage("patient-questionnaires", "patient", "/patients/{patient_id}/questionnaires"),
    MainPage(
        "patient-questionnaire-form",
        "patient",
        "/patients/{patient_id}/questionnaires",
        "a[href*='/occurrences/']",
    ),
    MainPage("patient-pgx", "patient", "/patients/{patient_id}/pgx"),
    MainPage("patient-messages", "patient", "/patients/{patient_id}/messages"),
    MainPage(
        "patient-message-thread", "patient", "/patients/{patient_id}/messages", "a.thread-subject"
    ),
    MainPage("patient-care-plan", "patient", "/patients/{patient_id}/care"),
    MainPage("patient-therapies", "patient", "/patients/{patient_id}/therapies"),
    MainPage("patient-visits", "patient", "/patients/{patient_id}/visits"),
    MainPage("patient-app-home", "patient", "/app/"),
    MainPage("patient-app-diary", "patient", "/app/diary"),
    MainPage("patient-app-doses", "patient", "/app/doses"),
    MainPage("patient-app-questionnaires", "patient", "/app/questionnaires"),
    MainPage("patient-app-upload", "patient", "/app/upload"),
    MainPage("patient-account-security", "patient", "/account/security"),
    MainPage("patient-refused-page", "patient", "/patients/999999"),
    MainPage("admin-users", "admin", "/admin/users"),
    MainPage("admin-account-security", "admin", "/account/security"),
    MainPage("admin-clinic-settings", "admin", "/admin/clinic-settings"),
]


@dataclass(frozen=True)
class Demo:
    server: DemoServer
    patient_id: int
    #: Signed-in browser state per role (cookies), so each page does not sign in again.
    states: dict[str, dict[str, object]]


def _sign_in(browser: Browser, server: DemoServer, username: str) -> tuple[dict[str, object], str]:
    context = browser.new_context(base_url=server.base_url)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(server.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: not urlsplit(url).path.startswith("/login"))
        return dict(context.storage_state()), urlsplit(page.url).path
    finally:
        context.close()


@pytest.fixture(scope="module")
def demo(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("accessibility-demo")
    url = f"sqlite:///{folder / 'painpath.sqlite3'}"
    with demo_server(url, folder, patients=PATIENTS) as server:
        add_a_lab_report_and_a_questionnaire(server)
        states: dict[str, dict[str, object]] = {}
        patient_id = 0
        for role, username in LOGINS.items():
            states[role], landing = _sign_in(browser, server, username)
            if role == "patient":
                found = re.fullmatch(r"/patients/(\d+)", landing)
                assert found, landing
                patient_id = int(found.group(1))
        yield Demo(server, patient_id, states)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artifacts_dir(tmp_path_factory.getbasetemp() / "artifacts")


def _context(browser: Browser, demo: Demo, role: str) -> BrowserContext:
    # Only here: the CSP rightly refuses the injected axe script on every other page.
    state = demo.states.get(role)
    context = browser.new_context(
        base_url=demo.server.base_url,
        bypass_csp=True,
        storage_state=state,  # type: ignore[arg-type]
    )
    context.set_default_timeout(15_000)
    return context


def _open(page: Page, demo: Demo, main: MainPage) -> None:
    page.goto(main.path.format(patient_id=demo.patient_id), wait_until="load")
    if main.follow:
        link = page.locator(main.follow).first
        expect(link).to_be_visible()
        link.click()
        page.wait_for_load_state("load")
    if page.locator("[data-live-alerts]").count():
        # The panel's script fills the alert list once connected; check the page it makes.
        page.wait_for_function(
            "document.querySelector('[data-live-state]').textContent.trim() !== "
            "'New alerts appear here as they are raised.'",
        )


@pytest.mark.parametrize("main", MAIN_PAGES, ids=str)
def test_main_page_has_no_serious_accessibility_violations(
    browser: Browser,
    demo: Demo,
    artifacts: Path,
    main: MainPage,
    request: pytest.FixtureRequest,
) -> None:
    context = _context(browser, demo, main.role)
    found: dict[int, list[str]] = {}
    lines = []
    try:
        page = context.new_page()
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            _open(page, demo, main)
            if main.role != "anonymous":
                assert urlsplit(page.url).path != "/login", f"{main}: not signed in"
            violations = run_axe(page)
            save_report(artifacts, f"{main.name}-{width}", page.url, violations)
            shot = artifacts / "screenshots" / f"{main.name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            found[width] = [str(violation) for violation in failing(violations)]
            lines.append(
                f"axe {main.name} @{width}px: {len(violations)} violations "
                f"({len(found[width])} serious or critical) {page.url}"
            )
            lines.extend(f"  {violation}" for violation in violations)
    finally:
        context.close()
    show_in_test_output(request, lines)
    assert found == {width: [] for width in WIDTHS}
