"""How often a prescription's timing (FHIR Timing.repeat: `frequency` doses every `period`
`period_unit`) doses, and the range painpath accepts as clinically plausible.

The range is what keeps every computation over a stored prescription bounded: at most
`MAX_DOSES_PER_DAY` doses a day (hourly — a schedule denser than that is a data error, not a
regimen; continuous infusions and patches are written as one dose per change) and at least one
dose every `MAX_DAYS_BETWEEN_DOSES` days (a yearly injection). Timings outside it are refused
at the edge (API, FHIR, CLI) and, when a stored row holds one anyway, reported as a regimen
painpath cannot evaluate instead of being expanded.
"""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = [
    "HOURS_PER_UNIT",
    "MAX_DAYS_BETWEEN_DOSES",
    "MAX_DOSES_PER_DAY",
    "TimingError",
    "doses_per_day",
]

#: Hours in each UCUM period unit a sig uses (a month is taken as 30 days).
HOURS_PER_UNIT: dict[str, Fraction] = {
    "h": Fraction(1),
    "d": Fraction(24),
    "wk": Fraction(24 * 7),
    "mo": Fraction(24 * 30),
}
MAX_DOSES_PER_DAY = 24
MAX_DAYS_BETWEEN_DOSES = 366


class TimingError(ValueError):
    """A timing that is not a plausible regimen; the message says which bound it breaks."""


def doses_per_day(frequency: object, period: object, period_unit: object) -> Fraction:
    """Doses per day of `frequency` every `period` `period_unit`, checked against the bounds.

    Raises TimingError for a value no prescription can have: a non-whole or non-positive
    frequency, a non-finite or non-positive period, an unknown unit, more than
    MAX_DOSES_PER_DAY doses a day or fewer than one in MAX_DAYS_BETWEEN_DOSES days.
    """
    if isinstance(frequency, bool) or not isinstance(frequency, int) or frequency < 1:
        raise TimingError(f"frequency must be a whole number of doses, at least 1: {frequency!r}")
    if isinstance(period, bool) or not isinstance(period, int | float):
        raise TimingError(f"period must be a number: {period!r}")
    if not math.isfinite(period) or period <= 0:
        raise TimingError(f"period must be a finite number above 0: {period!r}")
    hours = HOURS_PER_UNIT.get(str(getattr(period_unit, "value", period_unit)))
    if hours is None:
        raise TimingError(f"period_unit must be one of {', '.join(HOURS_PER_UNIT)}")
    per_day = Fraction(frequency) * 24 / (Fraction(str(period)) * hours)
    if per_day > MAX_DOSES_PER_DAY:
        try:
            amount = f"{float(per_day):.4g}"
        except OverflowError:  # beyond a float (e.g. a stored period of 1e-300 hours)
            amount = f"more than {MAX_DOSES_PER_DAY}"
        raise TimingError(
            f"{frequency} every {period:g} {period_unit} is {amount} doses a day; "
            f"at most {MAX_DOSES_PER_DAY} a day (hourly) is accepted"
        )
    if per_day * MAX_DAYS_BETWEEN_DOSES < 1:
        raise TimingError(
            f"{frequency} every {period:g} {period_unit} is less than one dose in "
            f"{MAX_DAYS_BETWEEN_DOSES} days; at least one a year is accepted"
        )
    return per_day
