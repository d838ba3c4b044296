"""FHIR R4 JSON for the instruments: Questionnaire, QuestionnaireResponse and a score Observation.

Plain dicts (no fhir.resources import here, so the engine stays light); the tests validate them
with fhir.resources' R4B models. Items carry LOINC codes where they exist; answers are codings in
painpath's per-instrument answer system with the value as the FHIR ordinalValue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from painpath.monitoring.instruments.answers import Answers, checked_answers
from painpath.monitoring.instruments.catalog import definition
from painpath.monitoring.instruments.model import Definition, Item, ScoreResult

BASE_URL = "https://painpath.org/fhir"
LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
UCUM = "http://unitsofmeasure.org"


def questionnaire_url(found: Definition) -> str:
    return f"{BASE_URL}/Questionnaire/{found.id}"


def _answer_system(found: Definition) -> str:
    return f"{BASE_URL}/CodeSystem/{found.id}-answers"


def _item_code(found: Definition, item: Item) -> list[dict[str, str]]:
    if item.loinc:
        return [{"system": LOINC, "code": item.loinc, "display": item.text}]
    return [{"system": f"{BASE_URL}/CodeSystem/{found.id}", "code": item.id, "display": item.text}]


def _answer_value(found: Definition, item: Item, value: int) -> dict[str, Any]:
    if item.labels is None:
        return {"valueInteger": value}
    return {
        "valueCoding": {
            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": item.points(value)}],
            "system": _answer_system(found),
            "code": str(value),
            "display": item.labels[value - item.min],
        }
    }


def _question(found: Definition, item: Item) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "linkId": item.id,
        "code": _item_code(found, item),
        "text": item.text,
        "required": found.missing.rule == "all_required",
    }
    if item.labels is None:
        entry["type"] = "integer"
        entry["extension"] = [
            {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": item.min},
            {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": item.max},
        ]
    else:
        entry["type"] = "choice"
        entry["answerOption"] = [
            _answer_value(found, item, value) for value in range(item.min, item.max + 1)
        ]
    return entry


def to_fhir_questionnaire(instrument_id: str) -> dict[str, Any]:
    """A FHIR R4 Questionnaire for the instrument: url/version, LOINC codes, answer options."""
    found = definition(instrument_id)
    document: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": found.id,
        "url": questionnaire_url(found),
        "version": found.definition_version,
        "name": "".join(ch for ch in found.short_name.title() if ch.isalnum()),
        "title": found.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"{found.title} ({found.version}). Source: {found.source.citation}. "
        "Item texts are topics, not the instrument's wording.",
        "copyright": found.licence,
        "item": [_question(found, item) for item in found.items],
    }
    if found.loinc.panel is not None:
        document["code"] = [{"system": LOINC, "code": found.loinc.panel.code}]
    return document


def to_fhir_questionnaire_response(
    instrument_id: str,
    answers: Answers,
    *,
    patient_id: str | None = None,
    authored: datetime | None = None,
) -> dict[str, Any]:
    """A completed QuestionnaireResponse for range-checked `answers` (unanswered items left out)."""
    found = definition(instrument_id)
    values = checked_answers(found, answers)
    document: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire_url(found)}|{found.definition_version}",
        "status": "completed",
        "item": [
            {"linkId": item.id, "text": item.text, "answer": [_answer_value(found, item, value)]}
            for item, value in zip(found.items, values, strict=True)
            if value is not None
        ],
    }
    if patient_id is not None:
        document["subject"] = {"reference": f"Patient/{patient_id}"}
    if authored is not None:
        document["authored"] = authored.isoformat()
    return document


def _quantity(value: float, unit: str = "{score}") -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def to_fhir_observation(
    result: ScoreResult, *, patient_id: str | None = None, effective: datetime | None = None
) -> dict[str, Any]:
    """The score as a survey Observation: LOINC total code where one exists, band as the
    interpretation text, subscales and T-score as components."""
    found = definition(result.instrument)
    if found.loinc.total is not None:
        code = {"system": LOINC, "code": found.loinc.total.code}
    else:
        code = {"system": f"{BASE_URL}/CodeSystem/instrument-score", "code": found.id}
    unit = "%" if found.scoring_rule == "percent_of_maximum" else "{score}"
    document: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": {"coding": [code], "text": f"{found.short_name} score"},
        "valueQuantity": _quantity(result.score, unit),
    }
    if result.band is not None:
        document["interpretation"] = [{"text": result.band}]
    components = [
        {"code": {"text": f"{found.short_name} {name}"}, "valueQuantity": _quantity(value)}
        for name, value in result.subscales.items()
        if value is not None
    ]
    if result.t_score is not None:
        components.append(
            {
                "code": {"text": f"{found.short_name} T-score"},
                "valueQuantity": _quantity(result.t_score),
            }
        )
    if components:
        document["component"] = components
    if result.t_score_verified is False:
        document["note"] = [
            {
                "text": f"{found.short_name} T-score from a derived table not yet checked against "
                "the HealthMeasures scoring manual"
            }
        ]
    if patient_id is not None:
        document["subject"] = {"reference": f"Patient/{patient_id}"}
    if effective is not None:
        document["effectiveDateTime"] = effective.isoformat()
    return document
