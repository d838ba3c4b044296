"""Shared pieces of the therapy-course tests: the patient's own today and API calls."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

Headers = dict[str, str]
ZONE = ZoneInfo("America/Chicago")  # the test cast's patients live here

TNF_SCREENING = {
    "latent_tb_test": "negative",
    "hepatitis_b_surface_antigen": "negative",
    "hepatitis_b_core_antibody": "negative",
    "hepatitis_c_antibody": "negative",
    "live_vaccines": "none_within_4_weeks",
    "active_infection": "none",
    "heart_failure": "none_or_nyha_i_ii",
    "demyelinating_disease": "none",
}
CANDIDACY = {
    "psychological_evaluation": "suitable",
    "imaging": "reviewed_no_contraindication",
    "mri_conditional_labelling": "full_body_conditional_chosen",
    "anticoagulant_hold_plan": "not_on_anticoagulant_or_antiplatelet",
    "infection": "none",
}
PRP_REVIEW = {
    "platelet_dysfunction": "absent",
    "septicaemia_or_site_infection": "absent",
    "haemodynamic_instability": "absent",
    "recent_steroid": "absent",
    "nsaid_use": "present",
    "anticoagulant_use": "absent",
    "low_haemoglobin_or_platelets": "absent",
    "active_cancer": "absent",
    "pregnancy": "absent",
}


def patient_today() -> date:
    return datetime.now(ZONE).date()


def days_ago(n: int) -> str:
    return (patient_today() - timedelta(days=n)).isoformat()


class Api:
    def __init__(self, client: TestClient, headers: Headers, patient_id: int) -> None:
        self.client = client
        self.headers = headers
        self.base = f"/api/patients/{patient_id}/therapies"

    def post(self, tail: str, body: dict[str, Any], expect: int | None = None) -> Any:
        response = self.client.post(self.base + tail, json=body, headers=self.headers)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def get(self, tail: str = "") -> Any:
        response = self.client.get(self.base + tail, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def course(self, therapy: str, **extra: Any) -> int:
        body = self.post("", {"therapy": therapy, **extra}, expect=201).json()
        return int(body["course"]["id"])

    def checks(self, course_id: int, results: dict[str, str], on: str) -> None:
        for item, result in results.items():
            self.post(
                f"/{course_id}/checks",
                {"item": item, "result": result, "checked_on": on},
                expect=201,
            )
