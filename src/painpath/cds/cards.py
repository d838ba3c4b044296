"""CDS Hooks cards from the engines' results: one card per opioid alert, one per PGx advice for
a drug being ordered, and the patient-view summary. Shapes follow CDS Hooks 2.0 exactly."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from painpath.opioids import Alert
from painpath.terminology.formulary import drugs_in_class

SUMMARY_LIMIT = 140
INDICATORS = frozenset({"info", "warning", "critical"})
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OVERRIDE_SYSTEM = "https://painpath.org/fhir/CodeSystem/cds-override-reason"
#: Offered on every card; the snooze length per code is a setting (`cds_snooze_days`).
OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("snooze-1-week", "Reviewed; remind me in a week"),
    ("snooze-1-month", "Reviewed; remind me in a month"),
    ("benefit-outweighs-risk", "Benefit outweighs risk for this patient"),
    ("already-addressed", "Already addressed"),
)
NALOXONE_RXNORM = ("1725059", "naloxone hydrochloride 40 MG/ML Nasal Spray")


def new_uuid() -> str:
    return str(uuid.uuid4())


def override_reasons() -> list[dict[str, str]]:
    return [{"system": OVERRIDE_SYSTEM, "code": c, "display": d} for c, d in OVERRIDE_REASONS]


def check_card(card: Mapping[str, Any]) -> None:
    """Raise ValueError unless `card` is a well-formed CDS Hooks 2.0 card."""
    summary = card.get("summary")
    if not isinstance(summary, str) or not summary or len(summary) >= SUMMARY_LIMIT:
        raise ValueError(f"card summary must be 1..139 characters: {summary!r}")
    if card.get("indicator") not in INDICATORS:
        raise ValueError(f"card indicator {card.get('indicator')!r} is not info|warning|critical")
    source = card.get("source")
    if not isinstance(source, Mapping) or not source.get("label"):
        raise ValueError("card source.label is required")
    uuid.UUID(str(card.get("uuid")))
    suggestions = card.get("suggestions") or []
    if suggestions and card.get("selectionBehavior") not in ("at-most-one", "any"):
        raise ValueError("selectionBehavior is required when a card has suggestions")
    for suggestion in suggestions:
        uuid.UUID(str(suggestion.get("uuid")))
        if not suggestion.get("label"):
            raise ValueError("suggestion label is required")
        for action in suggestion.get("actions") or []:
            if action.get("type") not in ("create", "update", "delete"):
                raise ValueError(f"action type {action.get('type')!r}")
            if action["type"] != "delete" and not isinstance(action.get("resource"), Mapping):
                raise ValueError(f"a {action['type']} action needs a resource")
            if action["type"] == "delete" and not isinstance(action.get("resourceId"), str):
                raise ValueError("a delete action needs a resourceId")
    for link in card.get("links") or []:
        if link.get("type") not in ("absolute", "smart") or not link.get("url"):
            raise ValueError("links need a url and type absolute|smart")


def _shorten(text: str) -> str:
    if len(text) < SUMMARY_LIMIT:
        return text
    return text[: SUMMARY_LIMIT - 2].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def make_card(
    *,
    summary: str,
    indicator: str,
    detail: str,
    source: Mapping[str, str],
    links: Sequence[Mapping[str, str]] = (),
    suggestions: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "uuid": new_uuid(),
        "summary": _shorten(summary),
        "indicator": indicator,
        "detail": detail,
        "source": dict(source),
        "overrideReasons": override_reasons(),
    }
    if suggestions:
        card["suggestions"] = [dict(s) for s in suggestions]
        card["selectionBehavior"] = "at-most-one"
    if links:
        card["links"] = [dict(link) for link in links]
    check_card(card)
    return card


def medication_request(patient_ref: str, code: str, display: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": patient_ref},
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": code, "display": display}],
            "text": display,
        },
    }


def _naloxone_suggestion(patient_ref: str) -> dict[str, Any]:
    code, display = NALOXONE_RXNORM
    return {
        "label": "Order naloxone 4 mg nasal spray",
        "uuid": new_uuid(),
        "isRecommended": True,
        "actions": [
            {
                "type": "create",
                "description": "Add a naloxone rescue prescription",
                "resource": medication_request(patient_ref, code, display),
            }
        ],
    }


def alert_card(
    alert: Alert, *, patient_ref: str, links: Sequence[Mapping[str, str]] = ()
) -> dict[str, Any]:
    """A card for one opioid-engine alert (indicator = the engine's severity)."""
    suggestions = [_naloxone_suggestion(patient_ref)] if alert.code == "NALOXONE_OFFER" else []
    source = alert.source
    return make_card(
        summary=alert.summary,
        indicator=alert.severity,
        detail=f"{alert.detail}\n\n*{source.guideline}, {source.recommendation}.*",
        source={"label": f"{source.guideline}, {source.recommendation}", "url": source.url},
        links=links,
        suggestions=suggestions,
    )


def alternative_product(ingredient: str) -> tuple[str, str] | None:
    """An immediate-release oral tablet (or capsule) of `ingredient` from the formulary."""
    for form in ("Oral Tablet", "Oral Capsule"):
        for drug in drugs_in_class("opioid") + drugs_in_class("analgesic"):
            if (
                drug.ingredients == (ingredient,)
                and drug.dose_form == form
                and not drug.extended_release
                and drug.term_type.value == "SCD"
            ):
                return drug.rxnorm_code, drug.display
    return None


def replace_suggestions(
    draft: Mapping[str, Any], alternatives: Sequence[str], *, patient_ref: str, limit: int = 2
) -> list[dict[str, Any]]:
    """Suggestions that delete the draft order and create an alternative's order instead."""
    draft_id = f"{draft.get('resourceType', 'MedicationRequest')}/{draft.get('id', '')}"
    suggestions: list[dict[str, Any]] = []
    for ingredient in alternatives:
        product = alternative_product(ingredient)
        if product is None:
            continue
        code, display = product
        suggestions.append(
            {
                "label": f"Order {ingredient} instead",
                "uuid": new_uuid(),
                "isRecommended": not suggestions,
                "actions": [
                    {
                        "type": "delete",
                        "description": "Remove the draft order",
                        "resourceId": draft_id,
                    },
                    {
                        "type": "create",
                        "description": f"Order {display}; set dose and quantity",
                        "resource": medication_request(patient_ref, code, display),
                    },
                ],
            }
        )
        if len(suggestions) == limit:
            break
    return suggestions
