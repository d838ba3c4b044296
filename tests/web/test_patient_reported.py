"""Finding 12 (issue 10, "Security and robustness", item 12): a patient's own entry never passes
as a laboratory result, and every record says who entered it.

Before the fix, a patient could add a `final` laboratory observation — a negative urine drug
screen — to their own record, stored exactly like a lab's result and indistinguishable from
one in the API.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.models import Observation
from tests.support.cohort import Cast
from tests.support.walk import condition_body, medication_body, observation_body

#: LOINC 16249-5 "Oxycodone [Presence] in Urine by Screen method" (a CDC UDS value-set code).
OXYCODONE_URINE_SCREEN = "16249-5"


def _urine_drug_screen(**changes: Any) -> dict[str, Any]:
    return (
        observation_body(
            category="laboratory",
            status="final",
            loinc_code=OXYCODONE_URINE_SCREEN,
            display="Oxycodone [Presence] in Urine by Screen method",
            value=None,
            unit=None,
            value_text="Negative",
            source_device=None,
        )
        | changes
    )


def _post(client: TestClient, cast: Cast, who: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        f"/api/patients/{cast.home_patient_id}/observations",
        json=body,
        headers=cast.headers(client, who),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_finding_12_patient_entered_lab_result_is_patient_reported(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    stored = _post(client, cast, "patient", _urine_drug_screen())
    assert stored["category"] == "survey"
    assert stored["status"] == "preliminary"
    assert stored["recorded_by"] == {"user_id": cast.user_ids["patient"], "role": "patient"}
    with app.state.session_factory() as session:
        row = session.scalars(select(Observation).where(Observation.id == stored["id"])).one()
        assert (row.category, row.status.value, row.recorder_role) == (
            "survey",
            "preliminary",
            "patient",
        )
    listed = client.get(
        f"/api/patients/{cast.home_patient_id}/observations?code={OXYCODONE_URINE_SCREEN}",
        headers=cast.headers(client, "clinician"),
    ).json()["items"]
    assert [(item["category"], item["recorded_by"]["role"]) for item in listed] == [
        ("survey", "patient")
    ]


@pytest.mark.parametrize("category", ["survey", "vital-signs"])
def test_finding_12_a_drug_screen_code_is_patient_reported_in_any_category(
    client: TestClient, cast: Cast, category: str
) -> None:
    stored = _post(client, cast, "patient", _urine_drug_screen(category=category))
    assert (stored["category"], stored["status"]) == ("survey", "preliminary")


def test_finding_12_a_patients_pain_score_stays_final(client: TestClient, cast: Cast) -> None:
    stored = _post(client, cast, "patient", observation_body())
    assert (stored["category"], stored["status"]) == ("survey", "final")
    assert stored["recorded_by"]["role"] == "patient"


def test_finding_12_a_clinicians_lab_result_stays_a_lab_result(
    client: TestClient, cast: Cast
) -> None:
    stored = _post(client, cast, "clinician", _urine_drug_screen())
    assert (stored["category"], stored["status"]) == ("laboratory", "final")
    assert stored["recorded_by"] == {"user_id": cast.user_ids["clinician"], "role": "clinician"}


def test_finding_12_conditions_and_medications_say_who_entered_them(
    client: TestClient, cast: Cast
) -> None:
    headers = cast.headers(client, "clinician")
    base = f"/api/patients/{cast.home_patient_id}"
    expected = {"user_id": cast.user_ids["clinician"], "role": "clinician"}
    condition = client.post(f"{base}/conditions", json=condition_body(), headers=headers)
    assert condition.status_code == 201, condition.text
    assert condition.json()["recorded_by"] == expected
    order = client.post(f"{base}/medication-requests", json=medication_body(), headers=headers)
    assert order.status_code == 201, order.text
    assert order.json()["recorded_by"] == expected
    listed = client.get(f"{base}/conditions", headers=headers).json()["items"]
    assert [item["recorded_by"] for item in listed] == [expected]
