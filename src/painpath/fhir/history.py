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


def opioid_days_last_10(intervals: Sequence[tuple[date, date]], today: date) -> int:
    """Days on opioids in [today − 10 d, today − 1 d]."""
    return days_covered(intervals, today - timedelta(days=10), today - timedelta(days=1))


def opioid_days_last_3_months(
    intervals: Sequence[tuple[date, date]], today: date
) -> tuple[int, int, int]:
    """Days on opioids in each of the three 30-day months before today, most recent first."""
    first, second, third = (
        days_covered(
            intervals, today - timedelta(days=30 * (k + 1)), today - timedelta(days=30 * k + 1)
        )
        for k in range(3)
    )
    return first, second, third


def long_term_opioid_use(
    intervals: Sequence[tuple[date, date]], today: date, *, office_visit_in_year: bool
) -> bool:
    """Rec 7's test: opioids on ≥ 7 of the past 10 days with an office visit in the past year,
    or on ≥ 21 of 30 days in each of the past three months."""
    if office_visit_in_year and opioid_days_last_10(intervals, today) >= 7:
        return True
    return all(days >= 21 for days in opioid_days_last_3_months(intervals, today))


def last_request(moud: Iterable[MappedMedication], today: date) -> date | None:
    """Latest authoredOn (on or before `today`) of an active or completed MedicationRequest
    among `moud` (the caller's buprenorphine and methadone medications, for rec 12)."""
    return max(
        (
            m.started
            for m in moud
            if m.resource_type == "MedicationRequest"
            and m.status in (None, "active", "completed")
            and m.started is not None
            and m.started <= today
        ),
        default=None,
    )
