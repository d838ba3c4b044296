"""Unexpected urine drug test results (CDC 2022 Recommendation 10, as the HL7 IG's rec 10b).

Within the lookback (12 months): a positive result for a substance that nothing on the
medication list explains, or a prescribed scheduled opioid whose substance was tested and only
ever negative. PRN opioids are left out of the negative check (an as-needed opioid may rightly
be absent), and cannabinoids are ignored unless the thresholds switch them on, as in the IG.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from painpath.opioids.inputs import AssessmentInput
from painpath.opioids.knowledge import RuleKnowledge


def _substance_of(ingredient: str, knowledge: RuleKnowledge) -> str | None:
    for name, substance in knowledge.udt_substances.items():
        if ingredient in substance.ingredients:
            return name
    return None


def unexpected_udt_findings(
    data: AssessmentInput, today: date, knowledge: RuleKnowledge
) -> list[dict[str, Any]]:
    """Each unexpected result as {substance, result, date, why}; empty when all is expected."""
    start = today - timedelta(days=knowledge.thresholds.udt_lookback_days)
    results: defaultdict[str, list[tuple[date, str]]] = defaultdict(list)
    for result in data.udt_results:
        if start <= result.date <= today:
            results[result.substance.strip().lower()].append((result.date, result.result))
    ingredients = {m.ingredient_key for m in data.medications}
    classes = {m.drug_class.value for m in data.medications}
    findings: list[dict[str, Any]] = []
    for substance, seen in sorted(results.items()):
        positives = [day for day, outcome in seen if outcome == "positive"]
        if not positives:
            continue
        if substance == "cannabinoid" and not knowledge.thresholds.cannabinoid_screening:
            continue
        known = knowledge.udt_substances.get(substance)
        explained = known is not None and bool(
            known.ingredients & ingredients or known.classes & classes
        )
        if not explained:
            findings.append(
                {
                    "substance": substance,
                    "result": "positive",
                    "date": max(positives).isoformat(),
                    "why": "positive for a substance that is not prescribed",
                }
            )
    for medication in data.medications:
        if not medication.is_opioid or medication.is_prn:
            continue
        tested_as = _substance_of(medication.ingredient_key, knowledge)
        seen = results.get(tested_as or "", [])
        if seen and all(outcome == "negative" for _, outcome in seen):
            findings.append(
                {
                    "substance": tested_as,
                    "result": "negative",
                    "date": max(day for day, _ in seen).isoformat(),
                    "why": f"negative although {medication.ingredient_key} is prescribed",
                }
            )
    return findings
