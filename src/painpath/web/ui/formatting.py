"""Clinical values in the words and shapes a page shows: sig text and ages."""

from __future__ import annotations

from datetime import date

from painpath.models.medication import MedicationRequest, PeriodUnit

# A single dose every one period: the usual words for it.
_ONCE_PER_PERIOD = {
    PeriodUnit.day: "once daily",
    PeriodUnit.week: "once weekly",
    PeriodUnit.month: "once monthly",
}
_PER_PERIOD = {PeriodUnit.day: "daily", PeriodUnit.week: "weekly", PeriodUnit.month: "monthly"}


def number(value: float) -> str:
    """A dose or score without trailing zeros: 10.0 → "10", 7.50 → "7.5"."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def timing_text(frequency: int, period: float, period_unit: PeriodUnit) -> str:
    """FHIR Timing.repeat in words: (1, 6, h) → "every 6 h", (2, 1, d) → "twice daily"."""
    unit = period_unit.value
    if frequency == 1:
        if period == 1 and period_unit in _ONCE_PER_PERIOD:
            return _ONCE_PER_PERIOD[period_unit]
        return f"every {number(period)} {unit}"
    times = "twice" if frequency == 2 else f"{frequency} times"
    if period == 1 and period_unit in _PER_PERIOD:
        return f"{times} {_PER_PERIOD[period_unit]}"
    return f"{times} every {number(period)} {unit}"


def sig_text(request: MedicationRequest) -> str:
    """The directions, e.g. "10 mg every 6 h as needed" (for PRN the timing is the most allowed)."""
    text = f"{number(request.dose_value)} {request.dose_unit} "
    text += timing_text(request.frequency, request.period, request.period_unit)
    return f"{text} as needed" if request.as_needed else text


def age_in_years(birth_date: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday
