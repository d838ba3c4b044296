"""Plausible value ranges for observations painpath receives, by LOINC code.

The scale limits are the instruments' own (an 0–10 numeric rating scale cannot read 42); the
physiological limits are painpath's plausibility bounds, wide on purpose: they catch unit
mix-ups and typing errors, not unusual patients.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PlausibleRange:
    low: float
    high: float
    unit: str
    basis: str


PLAUSIBLE_RANGES: dict[str, PlausibleRange] = {
    "72514-3": PlausibleRange(0, 10, "{score}", "0–10 numeric rating scale (LOINC 72514-3)"),
    "55423-8": PlausibleRange(0, 150_000, "{steps}", "painpath bound for steps in a day"),
    "40443-4": PlausibleRange(20, 250, "/min", "painpath bound for resting heart rate"),
    "8867-4": PlausibleRange(20, 300, "/min", "painpath bound for heart rate"),
    "93832-4": PlausibleRange(0, 24, "h", "a day has 24 hours"),
    "29463-7": PlausibleRange(0.5, 700, "kg", "painpath bound for body weight"),
}


def check_plausible(loinc_code: str, value: float) -> str | None:
    """None when the value is plausible (or the code has no range), else the reason."""
    bounds = PLAUSIBLE_RANGES.get(loinc_code)
    if bounds is None or bounds.low <= value <= bounds.high:
        return None
    return (
        f"{value:g} is outside {bounds.low:g}–{bounds.high:g} {bounds.unit} for LOINC"
        f" {loinc_code} ({bounds.basis})"
    )
