"""Building inputs for the opioid engine the way a clinic describes them."""

from __future__ import annotations

from datetime import date
from typing import Any

from painpath.opioids import Assessment, AssessmentInput, assess

TODAY = date(2026, 11, 25)


def med(ingredient: str, drug_class: str = "opioid", **fields: Any) -> dict[str, Any]:
    return {"ingredient": ingredient, "drug_class": drug_class, **fields}


def oral(
    ingredient: str, mg_per_dose: float, doses_per_day: float, **fields: Any
) -> dict[str, Any]:
    return med(ingredient, mg_per_dose=mg_per_dose, doses_per_day=doses_per_day, **fields)


def run(
    *medications: dict[str, Any],
    factors: str = "cdc2022",
    today: date = TODAY,
    udt_results: tuple[dict[str, Any], ...] = (),
    **patient: Any,
) -> Assessment:
    """Assess an adult, guideline-eligible patient (age 45, not opioid-naive, PDMP and reviews
    up to date) unless `patient` says otherwise."""
    facts: dict[str, Any] = {
        "age": 45,
        "opioid_naive": False,
        "last_pdmp_review_date": "2026-11-01",
        "last_benefit_risk_review_date": "2026-11-01",
        "last_udt_date": "2026-06-01",
    }
    facts.update(patient)
    data = AssessmentInput.model_validate(
        {"patient": facts, "medications": list(medications), "udt_results": list(udt_results)}
    )
    return assess(data, today=today, factors=factors)


def mme_of(*medications: dict[str, Any], factors: str = "cdc2022") -> float | None:
    total = run(*medications, factors=factors).mme.total
    return None if total is None else float(total)
