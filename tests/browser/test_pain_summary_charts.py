"""The clinician's pain summary in Debian's chromium: every chart is drawn by ECharts with the
seeded values (read back from ECharts' own option, not from the DOM existing), each has its text
alternative and a data-table view, and the page obeys the Content-Security-Policy.

A server of its own (a migrated SQLite file with the cast and the summary patient), so the shared
live server's panel and record stay as the other browser tests expect them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from painpath.config import Environment, Settings
from painpath.db.migrate import upgrade
from painpath.web.app import create_app
from tests.browser.conftest import STARTUP_SECONDS, _serve_in_thread
from tests.browser.test_monitoring_diary import keep_screenshot
from tests.browser.test_pages_in_chromium import sign_in
from tests.support.cohort import build_cast
from tests.support.pain_summary_record import (
    DIARY,
    PEG,
    PRN_DOSES,
    WEARABLE,
    SummaryPatient,
    seed_summary_patient,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def summary_server(
    chromium: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, SummaryPatient]]:
    database = tmp_path_factory.mktemp("pain-summary") / "painpath.sqlite3"
    url = f"sqlite:///{database}"
    upgrade(url)
    settings = Settings(
        environment=Environment.test,
        database_url=url,
        secret_key="browser-test-secret-key-that-is-long-enough",
        login_max_failures=50,
    )
    app = create_app(settings)
    cast = build_cast(app.state.session_factory)
    seeded = seed_summary_patient(app.state.session_factory, cast)
    server, thread, listener = _serve_in_thread(app)
    host, port = listener.getsockname()
    try:
        yield f"http://{host}:{port}", seeded
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        listener.close()
        app.state.engine.dispose()


@pytest.fixture
def clinician(browser: Browser, summary_server: tuple[str, SummaryPatient]) -> Iterator[Page]:
    base_url, _ = summary_server
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    sign_in(page, "clinician")
    expect(page).to_have_url(f"{base_url}/panel")
    try:
        yield page
    finally:
        context.close()


SERIES = """(selector) => {
  const element = document.querySelector(selector);
  const chart = element && window.echarts.getInstanceByDom(element);
  if (!chart) { return null; }
  return chart.getOption().series.map((s) => ({ name: s.name, type: s.type, data: s.data,
    bands: s.markArea ? s.markArea.data.length : 0 }));
}"""


def series_of(page: Page, chart: str) -> list[dict[str, Any]]:
    found = page.evaluate(SERIES, f'[data-chart="{chart}"]')
    assert found is not None, f"no ECharts instance on the {chart} chart"
    return list(found)


def points(data: list[Any]) -> dict[str, float]:
    return {day: value for day, value in data}


def test_every_chart_is_drawn_with_the_seeded_data(
    clinician: Page, summary_server: tuple[str, SummaryPatient]
) -> None:
    _, seeded = summary_server
    page = clinician
    # Reached by links: panel → patient → pain summary.
    page.get_by_role("link", name="Synthetic, Sumi").click()
    page.get_by_role("link", name="Pain summary and charts").click()
    expect(page.get_by_role("heading", name="Pain management summary", level=1)).to_be_visible()
    expect(page.locator("[data-summary-charts]")).to_have_attribute("data-charts", "drawn")

    def day(ago: int) -> str:
        return (seeded.today - timedelta(ago)).isoformat()

    pain, peg, therapies = series_of(page, "pain")
    expected_pain = {day(a): float(p) for a, p in DIARY.items()} | {day(a): 7.0 for a in PEG}
    assert points(pain["data"]) == expected_pain
    assert points(peg["data"]) == {day(a): total for a, total in PEG.items()}
    assert therapies["bands"] == 5  # five prescriptions overlap the 90 days
    steps, sleep = series_of(page, "activity")
    assert points(steps["data"]) == {day(a): s for a, (s, _) in WEARABLE.items()}
    assert points(sleep["data"]) == {day(a): round(m / 60, 2) for a, (_, m) in WEARABLE.items()}
    (pdc,) = series_of(page, "pdc")
    assert len(pdc["data"]) == 1
    assert 0 < pdc["data"][0] <= 100
    (prn,) = series_of(page, "prn")
    assert points(prn["data"]) == {day(a): n for a, n in PRN_DOSES.items()}
    (mme,) = series_of(page, "mme")
    assert len(mme["data"]) == 90
    assert points(mme["data"])[day(0)] == 90
    assert points(mme["data"])[day(55)] == 100
    (calendar,) = series_of(page, "calendar")
    assert points(calendar["data"]) == expected_pain
    # Every chart has a text alternative on its container and in its caption.
    for chart in ("pain", "activity", "pdc", "prn", "mme", "calendar"):
        label = page.locator(f'[data-chart="{chart}"]').get_attribute("aria-label")
        assert label
        assert label.strip()
    # The data-table view opens and holds the same rows.
    page.get_by_text("Data table: MME per day").click()
    table = page.locator("#table-mme")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(90)
    page.get_by_text("Data table: daily pain and PEG").click()
    expect(page.locator("#table-pain tbody tr")).to_have_count(len(expected_pain))
    keep_screenshot(page, "pain-summary-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    keep_screenshot(page, "pain-summary-390")


def test_the_record_page_draws_its_diary_chart_from_its_table(
    clinician: Page, summary_server: tuple[str, SummaryPatient]
) -> None:
    _, seeded = summary_server
    clinician.goto(f"/patients/{seeded.patient_id}")
    holder = "#diary-trend-chart"
    expect(clinician.locator(holder)).to_have_attribute("data-drawn", "true")
    found = clinician.evaluate(
        "(s) => window.echarts.getInstanceByDom(document.querySelector(s))"
        ".getOption().series[0].data",
        holder,
    )
    within_30 = {a: p for a, p in DIARY.items() if a < 30}
    assert len(found) == len(within_30)
    assert sorted(float(value) for _, value in found) == sorted(
        float(p) for p in within_30.values()
    )
