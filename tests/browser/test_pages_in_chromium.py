"""Real-browser journeys through the pages: clinicians, patients, administrators."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.clinical_record import TEXT
from tests.browser.conftest import LiveServer
from tests.support.cohort import PASSWORD

pytestmark = pytest.mark.browser

Screenshot = Callable[[str], None]


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_clinician_sees_only_their_own_panel(
    page: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    page.goto("/")
    expect(page).to_have_url(f"{live_server.base_url}/login")
    screenshot("login")
    sign_in(page, "clinician")
    expect(page).to_have_url(f"{live_server.base_url}/panel")
    expect(page.get_by_role("heading", name="My panel")).to_be_visible()
    expect(page.get_by_role("link", name="Synthetic, Hana")).to_be_visible()
    expect(page.get_by_text("Farah")).to_have_count(0)
    expect(page.get_by_text("AWAY-1")).to_have_count(0)
    screenshot("panel")

    page.get_by_label("Search by name or MRN").fill("away")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No patients on your care teams match")).to_be_visible()


def test_clinician_opens_the_patient_summary(
    page: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    page.goto("/login")
    sign_in(page, "clinician")
    page.get_by_role("link", name="Synthetic, Hana").click()
    expect(page).to_have_url(f"{live_server.base_url}/patients/{live_server.cast.home_patient_id}")
    expect(page.get_by_role("heading", name="Hana Synthetic", level=1)).to_be_visible()
    for section in (
        "Active conditions",
        "Active medication requests",
        "Pharmacogene results",
        "Pain scores, last 30 days",
    ):
        expect(page.get_by_role("heading", name=section, level=2)).to_be_visible()
    prn_row = page.get_by_role("row").filter(has_text=TEXT.home_prn_sig)
    expect(prn_row.get_by_title("As needed (pro re nata)")).to_have_text("PRN")
    scheduled_row = page.get_by_role("row").filter(has_text=TEXT.home_scheduled_sig)
    expect(scheduled_row).to_contain_text("scheduled")
    expect(page.get_by_role("rowheader", name=TEXT.home_condition)).to_be_visible()
    expect(page.get_by_role("rowheader", name=TEXT.home_gene)).to_be_visible()
    expect(page.get_by_role("img", name="Pain scores over the last 30 days")).to_be_visible()
    expect(page.get_by_role("note")).to_have_text(
        "painpath supports clinicians and does not replace their judgement."
    )
    expect(page.get_by_text(TEXT.foreign_condition)).to_have_count(0)
    page.locator("#pain-scores-chart + figcaption + details summary").click()  # the data table
    expect(page.get_by_role("cell", name="7", exact=True)).to_be_visible()
    screenshot("summary")


def test_patient_lands_on_their_record_and_is_refused_another(
    page: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    cast = live_server.cast
    page.goto("/login")
    sign_in(page, "patient")
    expect(page).to_have_url(f"{live_server.base_url}/patients/{cast.home_patient_id}")
    expect(page.get_by_text("Your record")).to_be_visible()
    expect(page.get_by_role("cell", name=TEXT.home_prn_sig)).to_be_visible()
    expect(page.get_by_role("link", name="My panel")).to_have_count(0)

    response = page.goto(f"/patients/{cast.foreign_patient_id}")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="Forbidden")).to_be_visible()
    expect(page.get_by_text("You do not have access to this page")).to_be_visible()
    content = page.content()
    for foreign_word in ("Farah", "AWAY-1", TEXT.foreign_condition, TEXT.foreign_medicine):
        assert foreign_word not in content
    screenshot("forbidden")


def test_wrong_password_shows_the_error(
    page: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    page.goto("/login")
    sign_in(page, "clinician", "certainly-not-the-password")
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("The username or password is not right. Check them and try again.")
    expect(page.get_by_label("Username")).to_have_value("clinician")
    expect(page.get_by_label("Password")).to_have_value("")
    screenshot("wrong-password")


def test_a_deep_link_survives_sign_in_and_sign_out_ends_the_session(
    page: Page, live_server: LiveServer
) -> None:
    target = f"/patients/{live_server.cast.home_patient_id}"
    page.goto(target)
    expect(page).to_have_url(f"{live_server.base_url}/login?next={target}")
    sign_in(page, "pharmacist")
    expect(page).to_have_url(f"{live_server.base_url}{target}")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.goto(target)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_admin_adds_a_user_and_sees_field_errors(
    page: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    page.goto("/login")
    sign_in(page, "admin")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    form = page.locator("form[action='/admin/users']")
    expect(form.locator("input[type='password']")).to_have_count(0)  # admins choose none
    form.get_by_label("Username").fill("Not Valid")
    form.get_by_label("Full name").fill("Browser Made")
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("alert")).to_contain_text("The account was not added.")
    expect(form.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#username-error")).to_contain_text("lowercase letters")
    screenshot("form-errors")

    form.get_by_label("Username").fill("browser.made")
    form.get_by_label("Role").select_option("pharmacist")
    form.get_by_role("button", name="Add user").click()
    card = page.get_by_role("status").filter(has_text="Setup code for browser.made")
    expect(card).to_contain_text("Added pharmacist account “browser.made”.")
    expect(page.get_by_role("rowheader", name="browser.made")).to_be_visible()
    setup_code = page.locator("#reset-code").inner_text()
    screenshot("users")

    # The person, not the admin, chooses the password with the code; then signs in.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/login")
    sign_in(page, "browser.made", setup_code)
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto("/reset-password")
    page.get_by_label("Username").fill("browser.made")
    page.get_by_label("Setup or reset code").fill(setup_code)
    page.get_by_label("New password").fill("lantern orchard quietly humming")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_have_text("Your password is set. Sign in with it.")
    sign_in(page, "browser.made", "lantern orchard quietly humming")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
