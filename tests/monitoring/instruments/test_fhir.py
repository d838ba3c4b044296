"""FHIR R4 export: Questionnaire, QuestionnaireResponse and score Observation, validated with
fhir.resources' R4B models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from painpath.monitoring.instruments import (
    InstrumentError,
    catalog,
    score,
    to_fhir_observation,
    to_fhir_questionnaire,
    to_fhir_questionnaire_response,
)

WHEN = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("instrument", [d.id for d in catalog()])
def test_every_instrument_exports_a_valid_r4_questionnaire(instrument: str) -> None:
    document = to_fhir_questionnaire(instrument)
    parsed = Questionnaire.model_validate(document)
    assert parsed.status == "active"
    assert document["url"] == f"https://painpath.org/fhir/Questionnaire/{instrument}"
    assert len(document["item"]) == len(next(d for d in catalog() if d.id == instrument).items)


def test_phq9_questionnaire_carries_loinc_panel_item_codes_and_answer_options() -> None:
    document = to_fhir_questionnaire("phq-9")
    assert document["code"] == [{"system": "http://loinc.org", "code": "44249-1"}]
    ninth = document["item"][8]
    assert ninth["linkId"] == "9"
    assert ninth["code"][0] == {
        "system": "http://loinc.org",
        "code": "44260-8",
        "display": "Thoughts of being better off dead or of self-harm",
    }
    assert ninth["type"] == "choice"
    options = ninth["answerOption"]
    assert [o["valueCoding"]["code"] for o in options] == ["0", "1", "2", "3"]
    assert options[3]["valueCoding"]["display"] == "Nearly every day"
    assert options[3]["valueCoding"]["extension"][0]["valueDecimal"] == 3
    assert all(item["required"] for item in document["item"])


def test_numeric_items_are_integers_with_their_range() -> None:
    (item,) = to_fhir_questionnaire("nrs")["item"]
    assert item["type"] == "integer"
    assert item["code"][0]["code"] == "72514-3"
    assert [e["valueInteger"] for e in item["extension"]] == [0, 10]


def test_start_back_item_9_options_carry_its_scoring_as_ordinal_value() -> None:
    ninth = to_fhir_questionnaire("start-back")["item"][8]
    ordinals = [o["valueCoding"]["extension"][0]["valueDecimal"] for o in ninth["answerOption"]]
    assert ordinals == [0, 0, 0, 1, 1]


def test_questionnaire_response_is_valid_and_leaves_unanswered_items_out() -> None:
    document = to_fhir_questionnaire_response(
        "odi", [2, 2, 1, 2, 2, 2, 1, None, 2, 2], patient_id="p-1", authored=WHEN
    )
    QuestionnaireResponse.model_validate(document)
    assert document["questionnaire"] == "https://painpath.org/fhir/Questionnaire/odi|2026.12.06"
    assert [item["linkId"] for item in document["item"]] == [
        "1", "2", "3", "4", "5", "6", "7", "9", "10",
    ]  # fmt: skip
    assert document["item"][0]["answer"] == [{"valueInteger": 2}]
    assert document["subject"] == {"reference": "Patient/p-1"}


def test_questionnaire_response_refuses_out_of_range_answers() -> None:
    with pytest.raises(InstrumentError, match=r"^ODI section 1: 7 is outside 0-5$"):
        to_fhir_questionnaire_response("odi", [7] * 10)


def test_score_observation_uses_the_loinc_total_code_and_components() -> None:
    result = score("phq-9", [2, 2, 2, 2, 2, 2, 0, 0, 0])
    document = to_fhir_observation(result, patient_id="p-1", effective=WHEN)
    Observation.model_validate(document)
    assert document["code"]["coding"] == [{"system": "http://loinc.org", "code": "44261-6"}]
    assert document["valueQuantity"]["value"] == 12
    assert document["interpretation"] == [{"text": "moderate"}]


def test_promis_observation_carries_the_t_score_as_a_component() -> None:
    document = to_fhir_observation(score("promis-pi-4a", [3, 3, 3, 3]))
    Observation.model_validate(document)
    assert document["code"]["coding"][0]["code"] == "promis-pi-4a"
    assert document["component"][0]["valueQuantity"]["value"] == 61.2


def test_bpi_observation_lists_both_subscales() -> None:
    document = to_fhir_observation(score("bpi-sf", [8, 2, 5, 5, 6, 4, 7, 8, 3, 6, 5]))
    Observation.model_validate(document)
    assert [c["valueQuantity"]["value"] for c in document["component"]] == [5.0, 5.57]
