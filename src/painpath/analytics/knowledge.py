"""The measure definitions and exclusion code lists (knowledge/measures.json), loaded once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

MEASURES = ("OHD", "OMP", "COB", "HDO", "COU")
#: Numerator columns: one per measure, two for COU (15 of 30 days, 31 of 62 days).
RATES = ("OHD", "OMP", "COB", "HDO", "COU_15_30", "COU_31_62")
EXCLUSION_CATEGORIES = ("cancer", "sickle_cell", "hospice", "palliative_care")


@dataclass(frozen=True, slots=True)
class CodeRule:
    system: str
    ranges: tuple[tuple[str, str], ...]
    except_prefixes: tuple[str, ...]

    def matches(self, code: str) -> bool:
        if any(code.startswith(prefix) for prefix in self.except_prefixes):
            return False
        return any(low <= code[: len(low)] <= high for low, high in self.ranges)


@cache
def measure_knowledge() -> dict[str, Any]:
    text = resources.files("painpath.analytics").joinpath("knowledge/measures.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def exclusion_rules() -> dict[str, tuple[CodeRule, ...]]:
    """Per exclusion category, the code rules (ICD-10-CM or HCPCS) that put a person in it."""
    raw = measure_knowledge()["exclusions"]
    rules: dict[str, tuple[CodeRule, ...]] = {}
    for category in EXCLUSION_CATEGORIES:
        rules[category] = tuple(
            CodeRule(
                system,
                tuple((low, high) for low, high in body["prefix_ranges"]),
                tuple(body.get("except_prefixes", ())),
            )
            for system, body in raw[category].items()
        )
    return rules


def categories_of(system: str, code: str) -> list[str]:
    """Exclusion categories a (system, code) falls in; codes compared without dots."""
    clean = code.replace(".", "").strip().upper()
    return [
        category
        for category, rules in exclusion_rules().items()
        if any(rule.system == system and rule.matches(clean) for rule in rules)
    ]
