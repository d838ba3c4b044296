"""Bad input is refused at the edge with a problem naming the field, and nothing is written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from painpath.config import Settings
from painpath.terminology import lookup_rxnorm
from painpath.web.app import create_app
from tests.support.cohort import Cast
from tests.support.walk import (
    BOOKKEEPING_TABLES,
    Records,
    condition_body,
    database_snapshot,
    medication_body,
    observation_body,
    patient_body,
    seed_records,
)

PATIENT = "/api/patients/{patient_id}"
CONDITIONS = f"{PATIENT}/conditions"
MEDICATIONS = f"{PATIENT}/medication-requests"
OBSERVATIONS = f"{PATIENT}/observations"
NEXT_YEAR = (date.today() + timedelta(days=366)).isoformat()
NOT_IN_FORMULARY = "99999999"


@dataclass(frozen=True)
class BadInput:
    method: str
    url: str
    field: str | None
    json: Any = None
    content: bytes | None = None
    status: int = 422
    user: str = "clinician"


CASES = {
    # Bodies that are not JSON at all.
    "malformed-json": BadInput("POST", CONDITIONS, None, content=b'{"code": "M54.50",', status=400),
    # Codes that cannot belong to their code system.
    "icd10cm-syntax": BadInput("POST", CONDITIONS, "code", condition_body(code="54M.50X")),
    "snomed-verhoeff-check-digit": BadInput(
        "POST",
        CONDITIONS,
        "code",
        condition_body(code_system="http://snomed.info/sct", code="22253001"),
    ),
    "loinc-check-digit": BadInput(
        "POST", OBSERVATIONS, "loinc_code", observation_body(loinc_code="72514-4")
    ),
    "rxnorm-not-in-formulary": BadInput(
        "POST", MEDICATIONS, "rxnorm_code", medication_body(rxnorm_code=NOT_IN_FORMULARY)
    ),
    "unknown-clinical-status": BadInput(
        "POST", CONDITIONS, "clinical_status", condition_body(clinical_status="cured")
    ),
    # Impossible dates.
    "onset-on-february-30": BadInput(
        "POST", CONDITIONS, "onset_date", condition_body(onset_date="2026-02-30")
    ),
    "onset-in-the-future": BadInput(
        "POST", CONDITIONS, "onset_date", condition_body(onset_date=NEXT_YEAR)
    ),
    "onset-before-birth": BadInput(
        "POST", CONDITIONS, "onset_date", condition_body(onset_date="1969-12-31")
    ),
    "abatement-before-onset": BadInput(
        "POST", CONDITIONS, "abatement_date", condition_body(abatement_date="2024-02-29")
    ),
    "prescription-ends-before-it-starts": BadInput(
        "POST", MEDICATIONS, "end_date", medication_body(end_date="2026-01-04")
    ),
    "prescription-starts-on-february-30": BadInput(
        "POST", MEDICATIONS, "start_date", medication_body(start_date="2026-02-30")
    ),
    "birth-date-in-the-future": BadInput(
        "POST", "/api/patients", "birth_date", patient_body(birth_date=NEXT_YEAR)
    ),
    "born-in-1800": BadInput(
        "POST", "/api/patients", "birth_date", patient_body(birth_date="1800-06-01")
    ),
    "born-on-february-30": BadInput(
        "POST", "/api/patients", "birth_date", patient_body(birth_date="2026-02-30")
    ),
    "reading-ends-before-it-starts": BadInput(
        "POST",
        OBSERVATIONS,
        "effective_end",
        observation_body(effective_end="2026-01-31T07:59:00-06:00"),
    ),
    # Out-of-range numbers.
    "dose-zero": BadInput("POST", MEDICATIONS, "dose_value", medication_body(dose_value=0)),
    "dose-negative": BadInput("POST", MEDICATIONS, "dose_value", medication_body(dose_value=-5)),
    "frequency-zero": BadInput("POST", MEDICATIONS, "frequency", medication_body(frequency=0)),
    "period-zero": BadInput("POST", MEDICATIONS, "period", medication_body(period=0)),
    "page-of-1000": BadInput("GET", "/api/patients?limit=1000", "limit"),
    "negative-offset": BadInput("GET", f"{CONDITIONS}?offset=-1", "offset"),
    "reading-without-a-value": BadInput(
        "POST", OBSERVATIONS, "value", observation_body(value=None)
    ),
    # Fields the API does not know, and text it cannot take.
    "unknown-field": BadInput("POST", CONDITIONS, "severity", condition_body(severity="severe")),
    "unknown-patient-field": BadInput("POST", "/api/patients", "ssn", patient_body(ssn="1")),
    "mrn-with-spaces": BadInput("POST", "/api/patients", "mrn", patient_body(mrn="NEW 1")),
    # Instants without an offset, and places that are not time zones.
    "naive-effective-at": BadInput(
        "POST", OBSERVATIONS, "effective_at", observation_body(effective_at="2026-01-31T08:00:00")
    ),
    "naive-since": BadInput("GET", f"{OBSERVATIONS}?since=2026-01-01T00:00:00", "since"),
    "unknown-time-zone": BadInput(
        "POST", "/api/patients", "time_zone", patient_body(time_zone="Mars/Olympus_Mons")
    ),
    "unknown-time-zone-on-update": BadInput(
        "PATCH", PATIENT, "time_zone", {"time_zone": "Europe/Atlantis"}
    ),
    # Updates that would break the record.
    "time-zone-set-to-null": BadInput("PATCH", PATIENT, "time_zone", {"time_zone": None}),
    "clinical-status-set-to-null": BadInput(
        "PATCH", f"{CONDITIONS}/{{condition_id}}", "clinical_status", {"clinical_status": None}
    ),
    "prescription-status-set-to-null": BadInput(
        "PATCH", f"{MEDICATIONS}/{{request_id}}", "status", {"status": None}
    ),
    "resolved-before-onset": BadInput(
        "PATCH",
        f"{CONDITIONS}/{{condition_id}}",
        "abatement_date",
        {"abatement_date": "2024-01-01"},
    ),
    "stopped-before-started": BadInput(
        "PATCH", f"{MEDICATIONS}/{{request_id}}", "end_date", {"end_date": "2025-12-31"}
    ),
    # Values no database column can hold: they must be refused, not crash the server (500).
    "patient-id-beyond-any-row": BadInput("GET", "/api/patients/2147483648", "patient_id"),
    "condition-id-beyond-any-row": BadInput(
        "GET", f"{CONDITIONS}/99999999999999999999999", "condition_id"
    ),
    "offset-beyond-any-row": BadInput("GET", f"{CONDITIONS}?offset=2147483648", "offset"),
    "nul-character-in-text": BadInput(
        "POST", CONDITIONS, "display", condition_body(display="Low back pain\u0000")
    ),
    "nul-character-in-search": BadInput("GET", "/api/patients?q=ha%00na", "q"),
    "lone-surrogate-in-text": BadInput(
        "POST", CONDITIONS, "display", content=json.dumps(condition_body(display="\ud800")).encode()
    ),
    "instant-past-year-9999-in-utc": BadInput(
        "POST",
        OBSERVATIONS,
        "effective_at",
        observation_body(effective_at="9999-12-31T23:00:00-05:00"),
    ),
    "participant-id-beyond-any-row": BadInput(
        "POST",
        f"{PATIENT}/care-teams",
        "participant_user_ids",
        {"name": "Night cover", "participant_user_ids": [2**40]},
        user="admin",
    ),
    "care-team-with-unknown-user": BadInput(
        "PUT",
        f"{PATIENT}/care-teams/{{team_id}}",
        "participant_user_ids",
        {"name": "Home team", "participant_user_ids": [999_999]},
        user="admin",
    ),
    "password-chosen-by-admin": BadInput(
        "POST",
        "/api/users",
        "password",
        {"username": "new.user", "display_name": "N", "password": "short", "role": "admin"},
        user="admin",
    ),
}


@pytest.fixture
def home(app: FastAPI, client: TestClient, cast: Cast) -> Records:
    headers = cast.headers(client, "clinician")
    return seed_records(client, headers, app.state.session_factory, cast.home_patient_id)


def _fields_named(problem: dict[str, Any]) -> str:
    return " ".join([problem["detail"], *(item["field"] for item in problem.get("errors", []))])


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_with_a_problem_naming_the_field_and_nothing_is_written(
    client: TestClient, cast: Cast, engine: Engine, home: Records, case: BadInput
) -> None:
    headers = cast.headers(client, case.user) | {"content-type": "application/json"}
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    response = client.request(
        case.method, home.fill(case.url), json=case.json, content=case.content, headers=headers
    )
    assert response.status_code == case.status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == case.status
    if case.field:
        assert case.field in _fields_named(problem), problem
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before


def test_the_unknown_rxnorm_code_really_is_outside_the_formulary() -> None:
    assert lookup_rxnorm(NOT_IN_FORMULARY) is None


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
def test_oversized_body_is_refused_before_it_is_read(
    client: TestClient, cast: Cast, engine: Engine, settings: Settings, declared: bool
) -> None:
    headers = cast.headers(client, "clinician")
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    huge = b'{"display": "' + b"x" * settings.max_body_bytes + b'"}'
    content: Any = huge if declared else iter([huge[:1000], huge[1000:]])
    url = f"/api/patients/{cast.home_patient_id}/conditions"
    response = client.post(
        url, content=content, headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert str(settings.max_body_bytes) in response.json()["detail"]
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before


def test_an_unexpected_error_is_a_problem_document_that_reveals_nothing(
    settings: Settings, engine: Engine
) -> None:
    app = create_app(settings, engine=engine)

    @app.get("/api/broken")
    def broken() -> None:
        raise RuntimeError("connection string postgresql://secret@db")

    with TestClient(app, raise_server_exceptions=False) as browser:
        response = browser.get("/api/broken")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text


@pytest.mark.parametrize(
    ("body_changes", "field_hint"),
    [
        ({"value": 42}, "outside 0–10"),
        ({"value": -3}, "outside 0–10"),
        ({"effective_at": "2199-01-01T00:00:00Z"}, "in the future"),
    ],
)
def test_impossible_pain_scores_are_refused_and_nothing_is_written(
    client: TestClient, cast: Cast, body_changes: dict[str, object], field_hint: str
) -> None:
    headers = cast.headers(client, "clinician")
    body = {
        "category": "survey",
        "loinc_code": "72514-3",
        "display": "Pain severity 0-10",
        "value": 5,
        "unit": "{score}",
        "effective_at": "2026-01-05T08:00:00Z",
        **body_changes,
    }
    url = f"/api/patients/{cast.home_patient_id}/observations"
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 422
    assert field_hint in response.json()["detail"]
    assert client.get(url, headers=headers).json()["total"] == 0
