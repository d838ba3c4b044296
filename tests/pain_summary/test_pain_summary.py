"""The clinician's pain summary on SQLite and PostgreSQL: the numbers are the engines' own
(opioids for MME and alerts, pgx for phenotypes), missing data says so, hostile query values
are refused naming the field, and only the patient's care team may read it (denials audited)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from painpath.care.knowledge import knowledge
from painpath.models import AuditOutcome, CareTeam, CareTeamParticipant, Patient
from painpath.models.enums import AdministrativeGender
from painpath.models.medication import MedicationRequest, MedicationRequestStatus, PeriodUnit
from painpath.opioids import assess, parse_assessment_input
from painpath.services.transaction import unit_of_work
from tests.support.cohort import Cast
from tests.support.pain_summary_record import (
    DIARY,
    PEG,
    PRN_DOSES,
    WEARABLE,
    SummaryPatient,
    seed_summary_patient,
)
from tests.web.test_ui_pages import audit_events, sign_in


@pytest.fixture
def summary_patient(app: FastAPI, cast: Cast) -> SummaryPatient:
    return seed_summary_patient(app.state.session_factory, cast)


def engine_reference(seeded: SummaryPatient) -> dict[str, Any]:
    """The opioid engine on the same record, written by hand in its simple JSON form."""
    today = seeded.today
    document = {
        "patient": {
            "age": 58,
            "sex": "female",
            "last_udt_date": (today - timedelta(40)).isoformat(),
            "last_pdmp_review_date": (today - timedelta(10)).isoformat(),
        },
        "medications": [
            {"ingredient": "oxycodone", "drug_class": "opioid", "mg_per_dose": 10,
             "doses_per_day": 4, "prn": True, "days_supply": 30},
            {"ingredient": "morphine", "drug_class": "opioid", "mg_per_dose": 15,
             "doses_per_day": 2, "days_supply": 30},
            {"ingredient": "alprazolam", "drug_class": "benzodiazepine", "mg_per_dose": 0.5,
             "doses_per_day": 3, "days_supply": 30},
            {"ingredient": "duloxetine", "drug_class": "snri", "mg_per_dose": 60,
             "doses_per_day": 1, "days_supply": 90},
        ],
    }  # fmt: skip
    return assess(parse_assessment_input(document), today=today).as_json()


def _cell(html: str, attribute: str) -> str:
    found = re.search(rf"<(dd|td|span)[^>]*{attribute}[^>]*>(.*?)</\1>", html, re.S)
    assert found, attribute
    return re.sub(r"<[^>]+>", "", found.group(2)).strip()


def test_summary_numbers_are_the_engines_outputs(
    client: TestClient, summary_patient: SummaryPatient
) -> None:
    assert sign_in(client, "clinician").status_code == 303
    page = client.get(f"/patients/{summary_patient.patient_id}/pain-summary")
    assert page.status_code == 200, page.text
    html = page.text
    reference = engine_reference(summary_patient)
    assert reference["total_mme_per_day"] == 90
    assert _cell(html, "data-total-mme") == "90 MME/day"
    per_medicine = {line["ingredient"]: line["mme_per_day"] for line in reference["per_medication"]}
    rows = dict(
        re.findall(r'<tr data-request-id="(\d+)">.*?<td data-mme>(.*?)</td>', html, flags=re.S)
    )
    assert rows[str(summary_patient.oxycodone_id)] == f"{per_medicine['oxycodone']:g}" == "60"
    assert rows[str(summary_patient.morphine_id)] == f"{per_medicine['morphine']:g}" == "30"
    shown = set(re.findall(r'data-opioid-alert="([A-Z0-9_]+)"', html))
    assert shown == {alert["code"] for alert in reference["alerts"]}
    assert {"MME_GE_90", "BENZO_COPRESCRIBE", "NALOXONE_OFFER"} <= shown
    # PGx: CYP2D6 *1/*4 (intermediate), phenoconverted by duloxetine (moderate CYP2D6 inhibitor)
    assert "Intermediate Metabolizer" in html
    converted = r"Intermediate Metabolizer \(activity score 0\.5\) <span class=\"muted\">"
    assert re.search(converted + r"\(phenoconverted by duloxetine\)", html)
    # Risk factors and scores, from the seeded rows
    assert _cell(html, 'data-risk="ort"').startswith("ORT 4 (moderate)")
    assert "positive" in _cell(html, 'data-risk="phq9-item9"')
    assert "answer 1 of 3" in _cell(html, 'data-risk="phq9-item9"')
    assert _cell(html, 'data-risk="benzodiazepines"') == "alprazolam 0.5 mg"
    assert _cell(html, 'data-risk="naloxone"') == "No active naloxone prescription"
    udt_day = (summary_patient.today - timedelta(40)).isoformat()
    assert _cell(html, 'data-risk="udt"').startswith(f"{udt_day}: Opiates urine screen")
    pdmp_day = (summary_patient.today - timedelta(10)).isoformat()
    assert _cell(html, 'data-risk="pdmp"') == pdmp_day
    assert _cell(html, 'data-score="PEG"') == "6.3"
    assert _cell(html, 'data-score="PHQ-9"') == "9"
    assert _cell(html, 'data-score="GAD-7"') == "6"
    assert "No care plan yet." in html


def _points(series: list[list[Any]]) -> dict[str, float]:
    return {day: value for day, value in series}


def test_chart_data_are_the_seeded_values_and_the_engines_mme(
    client: TestClient, summary_patient: SummaryPatient, cast: Cast
) -> None:
    today = summary_patient.today
    response = client.get(
        f"/api/patients/{summary_patient.patient_id}/pain-summary/charts?days=90",
        headers=cast.headers(client, "pharmacist"),
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["end"] == today.isoformat()
    assert data["days"] == 90

    def day(ago: int) -> str:
        return (today - timedelta(ago)).isoformat()

    # daily pain is the monitoring engine's: diary entries and the PEG's pain item (7 here)
    expected_pain = {day(a): float(p) for a, p in DIARY.items()} | {day(a): 7.0 for a in PEG}
    assert _points(data["pain"]["pain"]) == expected_pain
    assert _points(data["pain"]["peg"]) == {day(a): t for a, t in PEG.items()}
    assert _points(data["calendar"]["pain"]) == _points(data["pain"]["pain"])
    bands = {band["label"]: (band["start"], band["end"]) for band in data["pain"]["bands"]}
    assert bands["tramadol 50 mg"] == (day(80), day(50))
    assert bands["oxycodone 10 mg"] == (day(60), day(0))
    assert _points(data["activity"]["steps"]) == {day(a): s for a, (s, _) in WEARABLE.items()}
    assert _points(data["activity"]["sleep_hours"]) == {
        day(a): round(m / 60, 2) for a, (_, m) in WEARABLE.items()
    }
    (prn,) = data["adherence"]["prn"]
    assert prn["drug"] == "oxycodone"
    assert prn["max_per_day"] == 4
    assert _points(prn["doses"]) == {day(a): n for a, n in PRN_DOSES.items()}
    (pdc,) = data["adherence"]["pdc"]
    assert pdc["drug"] == "oxycodone"
    assert 0 < pdc["pdc"] <= 1
    mme = _points(data["mme"]["mme"])
    # oxycodone 60 + morphine 30 today; tramadol (200 mg/day × 0.2) overlapped oxycodone
    assert mme[day(0)] == 90
    assert mme[day(55)] == 100
    assert mme[day(70)] == 40
    assert mme[day(85)] == 0
    for chart in ("pain", "activity", "adherence", "mme", "calendar"):
        assert data[chart]["summary"].strip()


def test_an_empty_record_says_what_is_missing(app: FastAPI, client: TestClient, cast: Cast) -> None:
    with unit_of_work(app.state.session_factory) as session:
        patient = Patient(
            mrn="EMPTY-1",
            given_name="Em",
            family_name="Synthetic",
            birth_date=date(1980, 1, 1),
            gender=AdministrativeGender.male,
            time_zone="America/Chicago",
        )
        session.add(patient)
        session.flush()
        team = CareTeam(patient_id=patient.id, name="t")
        team.participants.append(CareTeamParticipant(user_id=cast.user_ids["clinician"]))
        session.add(team)
        session.flush()
        patient_id = patient.id
    sign_in(client, "clinician")
    html = client.get(f"/patients/{patient_id}/pain-summary").text
    assert _cell(html, "data-total-mme") == "0 MME/day"  # the engine's total without opioids
    for text in (
        "No active conditions recorded.",
        "No active medication requests.",
        "No pharmacogene results on file.",
        "No PHQ-9 on file",
        "No PDMP check recorded",
        "None on file",
        "No care plan yet.",
        "Never answered",
        "No pain (0-10) recorded in this period.",
        "No steps per day recorded in this period.",
    ):
        assert text in html, text


@pytest.mark.parametrize("value", ["0", "6", "366", "-1", "abc", "1e9", "9" * 40, "90.5"])
def test_hostile_days_are_refused_naming_the_field(
    client: TestClient, summary_patient: SummaryPatient, cast: Cast, value: str
) -> None:
    api = client.get(
        f"/api/patients/{summary_patient.patient_id}/pain-summary/charts",
        params={"days": value},
        headers=cast.headers(client, "clinician"),
    )
    assert api.status_code == 422, api.text
    assert "days" in api.text
    sign_in(client, "clinician")
    page = client.get(
        f"/patients/{summary_patient.patient_id}/pain-summary", params={"days": value}
    )
    assert page.status_code == 422
    assert "days" in page.text


@pytest.mark.parametrize("username", ["other_clinician", "patient", "admin"])
def test_only_the_care_team_reads_the_summary_and_refusals_are_audited(
    app: FastAPI,
    client: TestClient,
    summary_patient: SummaryPatient,
    cast: Cast,
    username: str,
) -> None:
    pid = summary_patient.patient_id
    api = client.get(
        f"/api/patients/{pid}/pain-summary/charts", headers=cast.headers(client, username)
    )
    assert api.status_code in (403, 404)
    denied = audit_events(app, patient_id=pid, outcome=AuditOutcome.denied)
    assert any(event.resource_type == "PainSummary" for event in denied)
    sign_in(client, username)
    page = client.get(f"/patients/{pid}/pain-summary")
    assert page.status_code in (403, 404)
    assert "Sumi" not in page.text
    assert len(audit_events(app, patient_id=pid, outcome=AuditOutcome.denied)) > len(denied)


def test_reads_are_audited_with_the_sections_shown(
    app: FastAPI, client: TestClient, summary_patient: SummaryPatient
) -> None:
    sign_in(client, "pharmacist")
    assert client.get(f"/patients/{summary_patient.patient_id}/pain-summary").status_code == 200
    events = audit_events(
        app,
        patient_id=summary_patient.patient_id,
        resource_type="PainSummary",
        outcome=AuditOutcome.success,
    )
    assert events
    assert "pain summary page" in (events[-1].detail or "")


def test_a_hostile_stored_prescription_is_not_counted_and_not_a_server_error(
    app: FastAPI, client: TestClient, summary_patient: SummaryPatient
) -> None:
    with unit_of_work(app.state.session_factory) as session:
        session.add(
            MedicationRequest(
                patient_id=summary_patient.patient_id,
                rxnorm_code="7804",
                display="oxycodone written past validation",
                status=MedicationRequestStatus.active,
                dose_value=1e300,
                dose_unit="mg",
                frequency=10**9,
                period=1e-300,
                period_unit=PeriodUnit.hour,
                start_date=summary_patient.today,
                days_supply=-5,
            )
        )
    sign_in(client, "clinician")
    page = client.get(f"/patients/{summary_patient.patient_id}/pain-summary")
    assert page.status_code == 200
    assert "oxycodone written past validation" in page.text
    assert "lower bound" in _cell(page.text, "data-total-mme").lower() or "lower bound" in page.text
    charts = client.get(f"/patients/{summary_patient.patient_id}/pain-summary?days=7")
    assert charts.status_code == 200


def test_the_care_plan_and_therapy_courses_show_in_the_summary_and_as_chart_bands(
    client: TestClient, cast: Cast, summary_patient: SummaryPatient
) -> None:
    """The summary's care-plan section reads the stored plan (its activity under way and its
    open goal in plain words), and the pain chart's bands include the therapy course and the
    plan activity that have started, beside the prescriptions."""
    headers = cast.headers(client, "clinician")
    api = f"/api/patients/{summary_patient.patient_id}"
    today = summary_patient.today
    started = (today - timedelta(20)).isoformat()
    assert (
        client.post(f"{api}/care-plan", json={"status": "active"}, headers=headers).status_code
        == 201
    )
    goal = client.post(
        f"{api}/care-plan/goals",
        json={"kind": "daily_steps_min", "start_date": started},
        headers=headers,
    )
    assert goal.status_code == 201, goal.text
    activity = client.post(
        f"{api}/care-plan/activities",
        json={"therapy": "cbt", "status": "active", "start_date": started},
        headers=headers,
    )
    assert activity.status_code == 201, activity.text
    course = client.post(f"{api}/therapies", json={"therapy": "acupuncture"}, headers=headers)
    assert course.status_code == 201, course.text
    course_id = course.json()["course"]["id"]
    begun = client.post(
        f"{api}/therapies/{course_id}/start", json={"started_on": started}, headers=headers
    )
    assert begun.status_code in (200, 201), begun.text

    assert sign_in(client, "clinician").status_code == 303
    html = client.get(f"/patients/{summary_patient.patient_id}/pain-summary").text
    section = html[html.index('id="care-plan"') : html.index('id="charts"')]
    assert "No care plan yet." not in section
    assert "(active); under way: " in section
    assert "6,000 steps" in section or "6000 steps" in section
    charts = client.get(f"{api}/pain-summary/charts?days=30", headers=headers).json()
    kinds = {band["kind"]: band for band in charts["pain"]["bands"]}
    assert kinds["course"]["label"] == knowledge().therapies["acupuncture"].name
    assert kinds["course"]["start"] == started
    assert kinds["care_plan"]["start"] == started
