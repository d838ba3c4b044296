"""The Opioid Risk Tool (Webster & Webster, Pain Med 2005;6:432-442): ten yes/no items scored
by sex; 0-3 low, 4-7 moderate, 8 or more high risk of aberrant opioid-related behaviour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from painpath.opioids.knowledge import load_knowledge

Sex = Literal["female", "male"]


@dataclass(frozen=True, slots=True)
class OrtResult:
    score: int
    band: str  # low | moderate | high
    items: tuple[str, ...]  # the items answered yes

    def as_json(self) -> dict[str, Any]:
        return {"score": self.score, "band": self.band, "items": list(self.items)}


def ort_items() -> tuple[str, ...]:
    """The item keys, in the tool's order."""
    return tuple(load_knowledge("ort.json")["items"])


def opioid_risk_tool(sex: Sex, answers: Mapping[str, bool]) -> OrtResult:
    """Score the ORT for a `sex` from yes/no `answers` keyed by item (unknown keys raise)."""
    data = load_knowledge("ort.json")
    if sex not in ("female", "male"):
        raise ValueError(f"sex must be female or male, not {sex!r}")
    unknown = set(answers) - set(data["items"])
    if unknown:
        raise ValueError(f"unknown Opioid Risk Tool items: {', '.join(sorted(unknown))}")
    yes = tuple(item for item in data["items"] if answers.get(item))
    score = sum(int(data["items"][item][sex]) for item in yes)
    band = next(b["band"] for b in data["bands"] if b["up_to"] is None or score <= b["up_to"])
    return OrtResult(score=score, band=band, items=yes)
