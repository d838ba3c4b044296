"""Care suggestions through the API: the body route for clinicians and pharmacists, the stored-
record route behind the care-team gate, and the same answer from the CLI, the body and the
record. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from painpath.cli.main import app
from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.models import AuditEvent, AuditOutcome, MedicationRequest, MedicationRequestStatus
from painpath.models.medication import PeriodUnit
from painpath.web.app import create_app
from tests.support.cohort import Cast
from tests.support.walk import condition_body, medication_body, observation_body

Headers = dict[str, str]
OXYCODONE = "7804"
ALPRAZOLAM = "596"
ANSWER_KEYS = ("condition", "profile", "options", "not_recommended", "flags", "knowledge")


@pytest.fixture
def clinician(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "clinician")


def post(client: TestClient, headers: Headers, tail: str, body: dict[str, Any]) -> None:
    response = client.post(f"/api/patients{tail}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text


def stored_patient(client: TestClient, headers: Headers, patient_id: int) -> None:
    """Knee osteoarthritis, a history of falls, heart failure and an unrelated code; oxycodone
    and alprazolam; eGFR 28; CYP2D6 *4/*4 from a lab; a PHQ-9 with item 9 answered 1."""
    tail = f"/{patient_id}"
    for code, display in (
        ("M17.11", "Unilateral primary osteoarthritis, right knee"),
        ("Z91.81", "History of falling"),
        ("I50.32", "Chronic diastolic heart failure"),
        ("E78.5", "Hyperlipidemia, unspecified"),
    ):
        post(client, headers, f"{tail}/conditions", condition_body(code=code, display=display))
    post(client, headers, f"{tail}/medication-requests", medication_body(rxnorm_code=OXYCODONE))
    post(
        client,
        headers,
        f"{tail}/medication-requests",
        medication_body(rxnorm_code=ALPRAZOLAM, dose_value=0.5, frequency=2, as_needed=False),
    )
    post(
        client,
        headers,
        f"{tail}/observations",
        observation_body(
            category="laboratory",
            loinc_code="33914-3",
            display="eGFR (MDRD)",
            value=28,
            unit="mL/min/1.73m2",
            source_device=None,
        ),
    )
    post(
        client,
        headers,
        f"{tail}/pgx/lab-calls",
        {"calls": [{"gene": "CYP2D6", "diplotype": "*4/*4"}]},
    )
    authored = utcnow().replace(microsecond=0).isoformat()
    post(
        client,
        headers,
        f"{tail}/questionnaire-responses",
        {"instrument": "phq-9", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 1], "authored_at": authored},
    )


def status_observation(loinc_code: str, display: str, answer: str, days_ago: int = 1) -> Any:
    when = (utcnow() - timedelta(days=days_ago)).replace(microsecond=0).isoformat()
    return observation_body(
        category="social-history",
        loinc_code=loinc_code,
        display=display,
        value=None,
        value_text=answer,
        unit=None,
        effective_at=when,
        source_device=None,
    )


def answer(document: dict[str, Any]) -> dict[str, Any]:
    return {key: document[key] for key in ANSWER_KEYS}


def test_the_cli_the_body_and_the_record_give_the_same_answer(
    client: TestClient, cast: Cast, clinician: Headers, tmp_path: Path
) -> None:
    stored_patient(client, clinician, cast.home_patient_id)
    tail = f"/{cast.home_patient_id}"
    for tried in (
        {"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 12},
        {"therapy": "yoga", "outcome": "intolerance", "ended_on": "2025-11-02"},
    ):
        post(client, clinician, f"{tail}/care/therapies-tried", tried)
    post(
        client,
        clinician,
        f"{tail}/conditions",
        condition_body(code="Z39.1", display="Care of lactating mother", onset_date=None),
    )
    post(
        client,
        clinician,
        f"{tail}/observations",
        status_observation("86645-9", "Pregnancy intention in the next year", "LA26438-4"),
    )
    response = client.get(
        f"/api/patients/{cast.home_patient_id}/care/suggestions", headers=clinician
    )
    assert response.status_code == 200, response.text
    from_record = response.json()
    built = from_record["input"]
    assert built["condition"] == "knee_osteoarthritis"
    assert {"falls", "heart_failure"} <= set(built["problems"])
    assert built["labs"] == {"egfr": 28}
    assert built["genotype"] == {"CYP2D6": "*4/*4"}
    assert built["scores"]["phq9_item9"] == 1
    assert built["tried"] == [
        {"therapy": "yoga", "outcome": "intolerance", "weeks": None},
        {"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 12},
    ]
    assert (built["pregnant"], built["planning_pregnancy"], built["breastfeeding"]) == (
        False,
        True,
        True,
    )
    notes = " ".join(from_record["notes"])
    assert "E78.5" in notes
    assert "Taken as breastfeeding from the record: condition Z39.1" in notes
    assert "Taken as planning a pregnancy from the record" in notes
    assert "Nothing in the record says the patient is pregnant" in notes
    assert "not stored" not in notes

    from_body = client.post("/api/care/suggest", json=built, headers=clinician)
    assert from_body.status_code == 200, from_body.text
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(built), encoding="utf-8")
    cli = CliRunner().invoke(
        app, ["care", "suggest", str(path), "--today", utcnow().date().isoformat()]
    )
    assert cli.exit_code == 0, cli.output
    assert answer(from_record) == answer(from_body.json()) == answer(json.loads(cli.output))

    excluded = {item["id"]: item for item in from_record["not_recommended"]}
    assert "heart_failure_nsaid" in {r["code"] for r in excluded["nsaid_oral"]["reasons"]}
    assert "opioid_benzodiazepine" in {r["code"] for r in excluded["tramadol"]["reasons"]}
    assert "pgx_avoid" in {r["code"] for r in excluded["tramadol"]["reasons"]}
    codes = {flag["code"] for flag in from_record["flags"]}
    assert {"suicide_risk", "opioid_benzo_coprescribe"} <= codes
    # therapies tried: duloxetine failed after an adequate trial, yoga was not tolerated
    for therapy in ("duloxetine", "yoga"):
        assert "tried_failed" in {r["code"] for r in excluded[therapy]["reasons"]}


def test_the_record_route_is_gated_and_audited(
    client: TestClient, cast: Cast, clinician: Headers, engine: Engine
) -> None:
    stored_patient(client, clinician, cast.home_patient_id)
    away = cast.headers(client, "other_clinician")
    denied = client.get(f"/api/patients/{cast.home_patient_id}/care/suggestions", headers=away)
    assert denied.status_code == 403
    allowed = client.get(
        f"/api/patients/{cast.home_patient_id}/care/suggestions", headers=clinician
    )
    assert allowed.status_code == 200
    with Session(engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "CareSuggestion")
        ).all()
    outcomes = sorted((e.outcome, e.patient_id) for e in events)
    assert (AuditOutcome.denied.value, cast.home_patient_id) in outcomes
    assert (AuditOutcome.success.value, cast.home_patient_id) in outcomes


def test_the_record_route_needs_a_pain_condition_or_the_query(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    url = f"/api/patients/{cast.home_patient_id}/care/suggestions"
    missing = client.get(url, headers=clinician)
    assert missing.status_code == 422
    assert "condition" in missing.text
    chosen = client.get(url, params={"condition": "M79.7", "jurisdiction": "UK"}, headers=clinician)
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["condition"]["id"] == "fibromyalgia"
    assert chosen.json()["profile"] == "UK"


def test_the_body_route_is_for_clinicians_and_pharmacists(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    body = {"condition": "fibromyalgia", "age": 40}
    for role, status in (("clinician", 200), ("pharmacist", 200), ("patient", 403), ("admin", 403)):
        response = client.post("/api/care/suggest", json=body, headers=cast.headers(client, role))
        assert response.status_code == status, (role, response.text)
    with Session(engine) as session:
        denials = session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "CareSuggestion",
                AuditEvent.outcome == AuditOutcome.denied.value,
            )
        ).all()
    assert sorted(e.role or "" for e in denials) == ["admin", "patient"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"condition": "gout"}, "condition"),
        ({"condition": "M79.7", "current_meds": ["unobtainium 5 mg"]}, "current_meds"),
        ({"condition": "M79.7", "labs": {"eGFR": -5}}, "labs"),
        (
            {"condition": "M79.7", "tried": [{"therapy": "snake_oil", "outcome": "intolerance"}]},
            "tried",
        ),
        ({"condition": "M79.7", "tried": [{"therapy": "yoga", "outcome": "meh"}]}, "outcome"),
        ({"condition": "M79.7", "pregnant": "perhaps"}, "pregnant"),
    ],
)
def test_bad_bodies_get_422_naming_the_field(
    client: TestClient, clinician: Headers, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/care/suggest", json=body, headers=clinician)
    assert response.status_code == 422
    assert field in response.text


def test_the_deployment_profile_is_the_default_and_the_body_overrides_it(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    """PAINPATH_CARE_PROFILE chooses the default profile; a request's jurisdiction wins."""
    uk_app = create_app(settings.model_copy(update={"care_profile": "UK"}), engine=engine)
    with TestClient(uk_app) as uk_client:
        headers = cast.headers(uk_client, "pharmacist")
        default = uk_client.post("/api/care/suggest", json={"condition": "M54.50"}, headers=headers)
        assert default.json()["profile"] == "UK"
        assert "acupuncture" in {o["id"] for o in default.json()["not_recommended"]}
        override = uk_client.post(
            "/api/care/suggest", json={"condition": "M54.50", "jurisdiction": "US"}, headers=headers
        )
        assert override.json()["profile"] == "US"
        assert "acupuncture" in {o["id"] for o in override.json()["options"]}


def knee_patient(client: TestClient, headers: Headers, patient_id: int) -> str:
    body = condition_body(code="M17.11", display="Primary osteoarthritis, right knee")
    post(client, headers, f"/{patient_id}/conditions", body)
    return f"/api/patients/{patient_id}/care/suggestions"


def test_pregnancy_is_read_from_a_coded_condition(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    """Z34.90 (supervision of normal pregnancy) sets `pregnant`; FDA's 2020 safety
    communication then takes oral NSAIDs out (from 20 weeks; painpath excludes throughout)."""
    url = knee_patient(client, clinician, cast.home_patient_id)
    body = condition_body(code="Z34.90", display="Normal pregnancy", onset_date=None)
    post(client, clinician, f"/{cast.home_patient_id}/conditions", body)
    found = client.get(url, headers=clinician).json()
    assert found["input"]["pregnant"] is True
    excluded = {item["id"]: item for item in found["not_recommended"]}
    assert "pregnancy_nsaid" in {r["code"] for r in excluded["nsaid_oral"]["reasons"]}
    assert any("Taken as pregnant from the record: condition Z34.90" in n for n in found["notes"])


def test_pregnancy_is_read_from_the_pregnancy_status_observation(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    """LOINC 82810-3 answered LA15173-0 (pregnant) sets `pregnant` on its own."""
    url = knee_patient(client, clinician, cast.home_patient_id)
    observation = status_observation("82810-3", "Pregnancy status", "LA15173-0")
    post(client, clinician, f"/{cast.home_patient_id}/observations", observation)
    found = client.get(url, headers=clinician).json()
    assert found["input"]["pregnant"] is True
    assert "nsaid_oral" in {item["id"] for item in found["not_recommended"]}


def test_a_stale_or_contradicted_or_unreadable_record_is_said_in_the_notes(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    url = knee_patient(client, clinician, cast.home_patient_id)
    tail = f"/{cast.home_patient_id}"
    # A pregnancy coded in 2024 is over: more than 42 weeks ago.
    old = condition_body(code="Z33.1", display="Pregnant state", onset_date="2024-03-01")
    post(client, clinician, f"{tail}/conditions", old)
    post(client, clinician, f"{tail}/observations", status_observation("86645-9", "Intent", "?"))
    found = client.get(url, headers=clinician).json()
    assert found["input"]["pregnant"] is False
    notes = " ".join(found["notes"])
    assert "Taken as not pregnant: condition Z33.1" in notes
    assert "began more than 42 weeks ago" in notes
    assert "could not be read" in notes
    # An observation "not pregnant" does not clear a current pregnancy condition.
    current = condition_body(code="O09.511", display="Elderly primigravida", onset_date=None)
    post(client, clinician, f"{tail}/conditions", current)
    post(
        client,
        clinician,
        f"{tail}/observations",
        status_observation("82810-3", "Pregnancy status", "LA26683-5"),
    )
    found = client.get(url, headers=clinician).json()
    assert found["input"]["pregnant"] is True
    assert any("The record disagrees" in note for note in found["notes"])


def test_a_stored_sig_the_engine_cannot_read_drops_the_dose_not_the_page(
    client: TestClient, cast: Cast, clinician: Headers, engine: Engine
) -> None:
    """Nasal naloxone 4 mg twice an hour as needed (as the demo cohort stores it, written around
    the API, which refuses it) is 48 doses a day to a daily-dose check: the medicine is kept,
    its dose left out, and the notes say so, rather than the page failing."""
    url = knee_patient(client, clinician, cast.home_patient_id)
    with Session(engine) as session:
        session.add(
            MedicationRequest(
                patient_id=cast.home_patient_id,
                rxnorm_code="7242",
                display="naloxone 4 MG/ACTUAT nasal spray",
                status=MedicationRequestStatus.active,
                dose_value=4,
                dose_unit="mg",
                frequency=2,
                period=1,
                period_unit=PeriodUnit.hour,
                route="nasal",
                as_needed=True,
                start_date=date(2026, 1, 5),
            )
        )
        session.commit()
    response = client.get(url, headers=clinician)
    assert response.status_code == 200, response.text
    found = response.json()
    (medicine,) = found["input"]["current_meds"]
    assert medicine["ingredient"] == "naloxone"
    assert "mg_per_dose" not in medicine
    assert any("the stored dose is not used" in note for note in found["notes"])
