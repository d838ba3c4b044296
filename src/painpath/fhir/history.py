"""Time-based facts from medication history: opioid-naive and days on opioids (CDC 2022 IG
common routines), computed over already-mapped medications as of `today`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from painpath.fhir.medications import MappedMedication

NAIVE_LOOKBACK_DAYS = 90


def _counts_for_history(mapped: MappedMedication) -> bool:
    if not mapped.medication.is_opioid or mapped.inpatient or mapped.started is None:
        return False
    if mapped.resource_type == "MedicationDispense":
        return mapped.status in (None, "completed")
    return mapped.status in (None, "active", "completed")


def opioid_naive(history: Iterable[MappedMedication], today: date) -> bool:
    """No opioid prescription, dispense or statement started in [today − 90 d, today − 1 d]."""
    start, end = today - timedelta(days=NAIVE_LOOKBACK_DAYS), today - timedelta(days=1)
    return not any(
        _counts_for_history(m) and m.started is not None and start <= m.started <= end
        for m in history
    )


def opioid_intervals(history: Iterable[MappedMedication]) -> list[tuple[date, date]]:
    """Collapsed [start, end] day intervals covered by opioid prescriptions (start + supply)."""
    spans = sorted(
        (m.started, m.started + timedelta(days=max(int(m.days_supply or 1), 1) - 1))
        for m in history
        if _counts_for_history(m) and m.started is not None
    )
    merged: list[tuple[date, date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def days_covered(intervals: Sequence[tuple[date, date]], start: date, end: date) -> int:
    """Days in [start, end] covered by the collapsed intervals."""
    total = 0
    for first, last in intervals:
        low, high = max(first, start), min(last, end)
        if high >= low:
            total += (high - low).days + 1
    return total


def long_term_opioid_use(
    intervals: Sequence[tuple[date, date]], today: date, *, office_visit_in_year: bool
) -> bool:
    """Rec 7's test: opioids on ≥ 7 of the past 10 days with an office visit in the past year,
    or on ≥ 21 of 30 days in each of the past three months."""
    yesterday = today - timedelta(days=1)
    if office_visit_in_year and days_covered(intervals, today - timedelta(days=10), yesterday) >= 7:
        return True
    months = [
        (today - timedelta(days=30 * (k + 1)), today - timedelta(days=30 * k + 1)) for k in range(3)
    ]
    return all(days_covered(intervals, start, end) >= 21 for start, end in months)
