"""The questionnaire catalog and FHIR Questionnaire export over HTTP (signed-in users only)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from fhir.resources.R4B.questionnaire import Questionnaire

from tests.support.cohort import Cast


def test_every_instrument_is_listed_with_its_source(client: TestClient, cast: Cast) -> None:
    headers = cast.headers(client, "patient")
    listed = client.get("/api/questionnaires", headers=headers)
    assert listed.status_code == 200
    ids = {item["id"] for item in listed.json()}
    assert {"phq-9", "gad-7", "odi", "promis-pi-6a", "start-back", "ort-oud"} <= ids
    assert all(item["source"] for item in listed.json())


def test_an_instrument_as_a_fhir_questionnaire(client: TestClient, cast: Cast) -> None:
    headers = cast.headers(client, "clinician")
    found = client.get("/api/questionnaires/phq-9/fhir", headers=headers)
    assert found.status_code == 200
    questionnaire = Questionnaire.model_validate(found.json())
    assert questionnaire.code is not None
    assert questionnaire.code[0].code == "44249-1"  # PHQ-9 panel
    assert len(questionnaire.item or []) == 9


def test_unknown_instruments_and_anonymous_callers_are_refused(
    client: TestClient, cast: Cast
) -> None:
    headers = cast.headers(client, "patient")
    missing = client.get("/api/questionnaires/phq-10/fhir", headers=headers)
    assert missing.status_code == 404
    assert "phq-10" in missing.json()["detail"]
    assert client.get("/api/questionnaires").status_code == 401
