"""A secure-message round trip in two real browsers: the patient writes to their care team
with a PDF attached, the clinician sees it unread in the navigation and the inbox, opens it
(which marks it read for them only), downloads the attachment and replies; the patient sees the
reply as new. Another patient's thread is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_monitoring_diary import keep_screenshot
from tests.browser.test_pages_in_chromium import sign_in
from tests.messaging import files

pytestmark = pytest.mark.browser

SUBJECT = "Swelling after the injection"
QUESTION = "My knee has been swollen since Tuesday's injection. Should I come in?"
ANSWER = "Please come in tomorrow at 9; keep the knee up and cool until then."


def _browser_page(browser: Browser, live_server: LiveServer, **options: object) -> Page:
    context = browser.new_context(base_url=live_server.base_url, **options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def patient_phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    page = _browser_page(
        browser,
        live_server,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def clinician_desk(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    page = _browser_page(browser, live_server, viewport={"width": 1280, "height": 900})
    try:
        yield page
    finally:
        page.context.close()


def _nav_messages(page: Page) -> object:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name="Messages")


def test_a_message_thread_round_trip_with_read_state(
    patient_phone: Page, clinician_desk: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    home = live_server.cast.home_patient_id
    letter = tmp_path / "knee-letter.pdf"
    letter.write_bytes(files.pdf("synthetic discharge letter"))

    phone = patient_phone
    phone.goto("/login")
    sign_in(phone, "patient")
    phone.get_by_role("link", name="Messages", exact=True).first.tap()
    expect(phone).to_have_url(f"{live_server.base_url}/patients/{home}/messages")
    phone.get_by_label("Subject").fill(SUBJECT)
    phone.get_by_label("Message", exact=True).fill(QUESTION)
    phone.get_by_label("Attach a file").set_input_files(str(letter))
    phone.get_by_role("button", name="Send message").tap()
    expect(phone.get_by_role("status")).to_have_text("Your message was sent to your care team.")
    expect(phone.get_by_role("heading", name=SUBJECT, level=1)).to_be_visible()
    expect(phone.get_by_text(QUESTION)).to_be_visible()
    expect(phone.get_by_role("link", name="Download knee-letter.pdf")).to_be_visible()
    keep_screenshot(phone, "message-sent")

    desk = clinician_desk
    desk.goto("/login")
    sign_in(desk, "clinician")
    nav = desk.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Messages 1 unread")).to_be_visible()
    nav.get_by_role("link", name="Messages 1 unread").click()
    row = desk.get_by_role("listitem").filter(has_text=SUBJECT)
    expect(row).to_contain_text("1 unread")
    expect(row).to_contain_text("Synthetic, Hana")
    row.get_by_role("link", name=SUBJECT).click()
    message = desk.get_by_role("listitem").filter(has_text=QUESTION)
    expect(message).to_contain_text("new")
    expect(message).to_contain_text("Hana Synthetic")
    # Opening the thread read it: the count is gone from the navigation.
    expect(nav.get_by_role("link", name="Messages", exact=True)).to_be_visible()
    with desk.expect_download() as downloading:
        message.get_by_role("link", name="Download knee-letter.pdf").click()
    download = downloading.value
    assert download.suggested_filename.startswith("painpath-attachment-")
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes() == letter.read_bytes()
    desk.get_by_label("Message", exact=True).fill(ANSWER)
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.get_by_role("status")).to_have_text("Your reply was sent.")
    expect(desk.get_by_role("listitem").filter(has_text=ANSWER)).to_contain_text("You")
    keep_screenshot(desk, "message-reply")

    # The pharmacist on the same team has still not read the patient's message.
    phone.goto(f"/patients/{home}")
    expect(phone.get_by_role("link", name="Messages (1 unread)")).to_be_visible()
    phone.get_by_role("link", name="Messages (1 unread)").tap()
    thread_row = phone.get_by_role("listitem").filter(has_text=SUBJECT)
    expect(thread_row).to_contain_text("1 unread")
    thread_row.get_by_role("link", name=SUBJECT).tap()
    reply = phone.get_by_role("listitem").filter(has_text=ANSWER)
    expect(reply).to_contain_text("Dr Home")
    expect(reply).to_contain_text("new")
    expect(phone.get_by_role("listitem").filter(has_text=QUESTION)).not_to_contain_text("new")
    phone.reload()
    expect(phone.get_by_role("listitem").filter(has_text=ANSWER)).not_to_contain_text("new")


def test_a_patient_cannot_open_another_patients_messages(
    patient_phone: Page, live_server: LiveServer
) -> None:
    foreign = live_server.cast.foreign_patient_id
    patient_phone.goto("/login")
    sign_in(patient_phone, "patient")
    for path in (f"/patients/{foreign}/messages", f"/patients/{foreign}/messages/1"):
        response = patient_phone.goto(path)
        assert response is not None
        assert response.status == 403
        expect(patient_phone.get_by_role("heading", name="Forbidden")).to_be_visible()
    answer = patient_phone.request.get(f"/api/patients/{foreign}/message-threads")
    assert answer.status == 403
