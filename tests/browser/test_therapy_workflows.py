"""Therapy workflows in chromium: a clinician records a PRP series (acknowledging the evidence
status first), runs an SCS trial to >= 50 % relief and records the implant, and sees a biologic
start refused while screening is incomplete."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_chromium import Screenshot, sign_in

pytestmark = pytest.mark.browser

ZONE = ZoneInfo("America/Chicago")  # the cast's patients live here
#: Checklist rows by the start of their label (the select is "Result for <label>").
PRP_REVIEW = {
    "Platelet dysfunction": "absent",
    "Septicaemia": "absent",
    "Haemodynamic instability": "absent",
    "Corticosteroid injection": "absent",
    "NSAIDs within a week": "present",
    "Anticoagulant or antiplatelet use": "absent",
    "Haemoglobin below 10": "absent",
    "Active cancer": "absent",
    "Pregnancy": "absent",
}
CANDIDACY = {
    "Psychological evaluation": "suitable",
    "Spinal imaging reviewed": "reviewed_no_contraindication",
    "Future MRI needs": "full_body_conditional_chosen",
    "Anticoagulant and antiplatelet hold plan": "not_on_anticoagulant_or_antiplatelet",
    "No local or systemic infection": "none",
}


def days_ago(n: int) -> str:
    return (datetime.now(ZONE).date() - timedelta(days=n)).isoformat()


def open_course(page: Page, live_server: LiveServer, therapy: str, product: str = "") -> None:
    home = live_server.cast.home_patient_id
    page.goto(f"/patients/{home}")
    page.get_by_role("link", name="Therapy courses: biologic screening").click()
    expect(page.get_by_role("heading", name="Therapy courses", level=1)).to_be_visible()
    page.get_by_label("Therapy", exact=True).select_option(therapy)
    if product:
        page.get_by_label("Product or preparation").select_option(product)
    page.get_by_role("button", name="Open course").click()
    expect(page.get_by_role("status")).to_have_text("Course opened.")


def record_checklist(page: Page, results: dict[str, str], on: str) -> None:
    for label, result in results.items():
        row = page.locator("tr", has=page.get_by_label(f"Result for {label}"))
        row.get_by_label(f"Result for {label}").select_option(result)
        row.get_by_label(f"Date for {label}").fill(on)
        row.get_by_role("button", name="Record").click()
        expect(page.get_by_role("status")).to_have_text("Result recorded.")


def test_clinician_records_a_prp_series_after_acknowledging_its_status(
    page: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    page.goto("/login")
    sign_in(page, "clinician")
    open_course(page, live_server, "prp_injection", "prp_leukocyte_poor")
    expect(page.get_by_role("heading", name="Evidence status: not recommended")).to_be_visible()
    expect(page.get_by_text("strongly recommended against").first).to_be_visible()

    record_checklist(page, PRP_REVIEW, days_ago(22))
    injections = page.get_by_role("region", name="Injection log")
    injections.get_by_label("Date").fill(days_ago(21))
    injections.get_by_label("Volume (mL)").fill("4")
    injections.get_by_label("Site").fill("left knee")
    injections.get_by_role("button", name="Record injection").click()
    expect(page.get_by_role("alert")).to_contain_text("acknowledge the evidence status")
    expect(page.locator("#injection-log")).to_have_count(0)

    page.get_by_label("I have read this status").check()
    page.get_by_role("button", name="Acknowledge status").click()
    expect(page.locator("#status-acknowledged")).to_be_visible()
    for n in (21, 14, 7):
        injections = page.get_by_role("region", name="Injection log")
        injections.get_by_label("Date").fill(days_ago(n))
        injections.get_by_label("Volume (mL)").fill("4")
        injections.get_by_label("Site").fill("left knee")
        injections.get_by_label("Guidance").select_option("ultrasound")
        injections.get_by_role("button", name="Record injection").click()
        expect(page.get_by_role("status")).to_have_text("Injection recorded.")
    expect(page.locator("#injection-log tbody tr")).to_have_count(3)
    expect(page.locator("#course-state")).to_have_text("injections")
    screenshot("prp-series")


def test_clinician_runs_an_scs_trial_to_50_percent_relief_then_records_the_implant(
    page: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    page.goto("/login")
    sign_in(page, "clinician")
    open_course(page, live_server, "spinal_cord_stimulation")
    implant = page.get_by_role("region", name="Implant")
    implant.get_by_label("Device (maker, model, IPG serial)").fill("Synthetic IPG")
    implant.get_by_label("Lead placement").fill("T9-T10")
    implant.get_by_role("button", name="Record implant").click()
    expect(page.get_by_role("alert")).to_contain_text("requires a successful trial")

    record_checklist(page, CANDIDACY, days_ago(10))
    trial = page.get_by_role("region", name="Trial")
    trial.get_by_label("Trial start (leads placed)").fill(days_ago(8))
    trial.get_by_role("button", name="Start trial").click()
    expect(page.get_by_role("status")).to_have_text("Trial started.")
    for n, relief in ((8, 40), (7, 55), (6, 60), (5, 65)):
        trial = page.get_by_role("region", name="Trial")
        trial.get_by_label("Day", exact=True).fill(days_ago(n))
        trial.get_by_label("Pain relief (%)").fill(str(relief))
        trial.get_by_label("Function compared with before the trial").select_option("better")
        trial.get_by_role("button", name="Add day").click()
        expect(page.get_by_role("status")).to_have_text("Trial day recorded.")
    expect(page.locator("#trial-days tbody tr")).to_have_count(4)
    page.get_by_role("button", name="Evaluate trial").click()
    expect(page.locator("#course-state")).to_have_text("trial succeeded")
    expect(page.locator("#trial-summary")).to_contain_text("mean relief 55 %")

    implant = page.get_by_role("region", name="Implant")
    implant.get_by_label("Implant date").fill(days_ago(2))
    implant.get_by_label("Device (maker, model, IPG serial)").fill("Synthetic IPG")
    implant.get_by_label("Lead placement").fill("T9-T10")
    implant.get_by_role("button", name="Record implant").click()
    expect(page.get_by_role("status")).to_have_text("Implant recorded.")
    expect(page.locator("#course-state")).to_have_text("implanted")
    screenshot("scs-implanted")


def test_clinician_sees_a_biologic_start_refused_while_screening_is_incomplete(
    page: Page, live_server: LiveServer
) -> None:
    page.goto("/login")
    sign_in(page, "clinician")
    open_course(page, live_server, "tnf_inhibitor", "adalimumab")
    expect(page.locator("#gate-summary")).to_contain_text("Latent tuberculosis test")
    page.get_by_role("button", name="Record start").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("biologic start refused, screening incomplete")
    expect(alert).to_contain_text("Hepatitis B surface antigen")
    expect(page.locator("#course-state")).to_have_text("screening")
