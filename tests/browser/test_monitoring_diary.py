"""The pain diary on a phone: a patient records a day in one screen and sees it listed; another
patient's diary is refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_chromium import sign_in

pytestmark = pytest.mark.browser

#: An iPhone 12-15 class screen, in CSS pixels.
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.base_url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def keep_screenshot(page: Page, name: str) -> None:
    """Save a full-page PNG of `page` when PAINPATH_SCREENSHOTS names a folder (as conftest's
    `screenshot` does for the default page)."""
    folder = os.environ.get("PAINPATH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"monitoring-{name}.png"), full_page=True)


def test_patient_records_a_day_on_a_phone_and_sees_it_listed(
    phone: Page, live_server: LiveServer
) -> None:
    home = live_server.cast.home_patient_id
    phone.goto("/login")
    sign_in(phone, "patient")
    expect(phone).to_have_url(f"{live_server.base_url}/patients/{home}")
    phone.get_by_role("link", name="Record today’s pain").tap()
    expect(phone).to_have_url(f"{live_server.base_url}/patients/{home}/diary")
    expect(phone.get_by_role("heading", name="Pain diary", level=1)).to_be_visible()

    # One screen: nothing wider than the phone, and Save reachable without scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save = phone.get_by_role("button", name="Save entry")
    expect(save).to_be_in_viewport()
    scale = phone.get_by_role("group", name="Pain right now")
    tile = scale.get_by_text("4", exact=True)
    box = tile.bounding_box()
    assert box is not None
    assert min(box["width"], box["height"]) >= 44  # a comfortable tap target

    tile.tap()
    expect(scale.get_by_role("radio", name="4", exact=True)).to_be_checked()
    phone.get_by_text("Lower back", exact=True).tap()
    phone.get_by_role("group", name="Left side").get_by_text("Hip").tap()
    expect(phone.get_by_role("checkbox", name="Lower back")).to_be_checked()
    hip = "Hip (buttock, trochanter)"
    expect(phone.get_by_role("checkbox", name=f"{hip}, left")).to_be_checked()
    expect(phone.get_by_role("checkbox", name=f"{hip}, right")).not_to_be_checked()
    phone.get_by_text("How does it feel?").tap()
    phone.get_by_text("Aching", exact=True).tap()
    expect(phone.get_by_role("checkbox", name="Aching pain")).to_be_checked()
    phone.get_by_label("What set it off?").fill("raking leaves")
    phone.get_by_label("Sleep last night (hours)").fill("6.5")
    phone.get_by_label("Mood today").select_option("6")
    phone.get_by_label("Notes").fill("Stiff after the drive")
    keep_screenshot(phone, "diary-filled")
    expect(save).to_be_in_viewport()
    save.tap()

    expect(phone).to_have_url(f"{live_server.base_url}/patients/{home}/diary")
    expect(phone.locator(".notice")).to_contain_text("Saved: pain 4 out of 10")
    entry = phone.get_by_role("listitem").filter(has_text="raking leaves")
    expect(entry).to_contain_text("Pain 4/10")
    expect(entry).to_contain_text("Lower back")
    expect(entry).to_contain_text("Hip (buttock, trochanter), left")
    expect(entry).to_contain_text("Sleep 6.5 h")
    expect(entry).to_contain_text("Stiff after the drive")
    expect(phone.get_by_role("img", name="Diary pain from")).to_be_visible()
    # The form is fresh again: nothing carried over from the saved entry.
    expect(phone.get_by_role("checkbox", name="Lower back")).not_to_be_checked()
    keep_screenshot(phone, "diary-saved")


def test_the_diary_form_works_from_the_keyboard(page: Page, live_server: LiveServer) -> None:
    page.goto("/login")
    sign_in(page, "patient")
    page.goto(f"/patients/{live_server.cast.home_patient_id}/diary")
    scale = page.get_by_role("group", name="Pain right now")
    scale.get_by_role("radio", name="0", exact=True).focus()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(scale.get_by_role("radio", name="3", exact=True)).to_be_checked()
    # The focused tile shows the focus ring, though the radio itself is visually hidden.
    outline = page.locator("label[for='pain-3']").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"
    neck = page.get_by_role("checkbox", name="Neck")
    neck.focus()
    page.keyboard.press("Space")
    expect(neck).to_be_checked()
    page.get_by_role("button", name="Save entry").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("Saved: pain 3 out of 10")


def test_a_missing_pain_score_is_named_beside_the_scale(
    phone: Page, live_server: LiveServer
) -> None:
    phone.goto("/login")
    sign_in(phone, "patient")
    phone.goto(f"/patients/{live_server.cast.home_patient_id}/diary")
    phone.get_by_role("button", name="Save entry").tap()
    expect(phone.get_by_role("alert")).to_contain_text("The entry was not saved.")
    expect(phone.locator("#pain-error")).to_have_text(
        "Choose how bad your pain is, from 0 (no pain) to 10 (worst imaginable)."
    )


def test_another_patients_diary_is_refused(phone: Page, live_server: LiveServer) -> None:
    phone.goto("/login")
    sign_in(phone, "patient")
    response = phone.goto(f"/patients/{live_server.cast.foreign_patient_id}/diary")
    assert response is not None
    assert response.status == 403
    expect(phone.get_by_role("heading", name="Forbidden")).to_be_visible()
    expect(phone.get_by_role("button", name="Save entry")).to_have_count(0)
    content = phone.content()
    for foreign_word in ("Farah", "AWAY-1"):
        assert foreign_word not in content
