"""What a prescription's timing (FHIR Timing.repeat: `frequency` doses every `period`
`period_unit`) means per calendar day: the most an as-needed order allows, and the doses a
scheduled order expects.

- PRN maximum per day: ceil(frequency × 24 h / period in hours). The ceiling is the number of
  doses the minimum spacing fits into one calendar day: q4h → 6, q5h → 5 (0, 5, 10, 15, 20 h),
  "4 a day" → 4, "1 every 2 days" → 1.
- Scheduled doses: a prescription carries no clock times, so painpath uses nominal ones. With
  n = frequency × 24 / period-hours doses a day (rounded to the nearest whole dose, at least 1):
  up to 4 a day spread over the waking day from 08:00 to 20:00 (1 → 08:00; 2 → 08:00, 20:00;
  3 → 08:00, 14:00, 20:00; 4 → 08:00, 12:00, 16:00, 20:00); more than 4 around the clock every
  24/n hours from 00:00. Fewer than one a day: one dose at 08:00 every round(1/n) days from the
  start date (weekly: 7, monthly: 30 days a month).
- Bounds: a timing outside `painpath.monitoring.dosing`'s plausible range (more than 24 doses a
  day, fewer than one a year, a non-finite period) raises TimingError here too, so a stored row
  that slipped past validation is reported as unevaluable by the caller, never expanded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from painpath.models.medication import MedicationRequest, MedicationRequestStatus
from painpath.monitoring import dosing

#: Orders whose doses count: not drafts, not cancelled before use, not entered in error.
COUNTED_STATUSES = frozenset(
    {
        MedicationRequestStatus.active,
        MedicationRequestStatus.on_hold,
        MedicationRequestStatus.completed,
        MedicationRequestStatus.stopped,
    }
)
WAKING_FIRST, WAKING_LAST = 8, 20


def doses_per_day(request: MedicationRequest) -> Fraction:
    """Doses a day; TimingError when the stored timing is outside the plausible range."""
    return dosing.doses_per_day(request.frequency, request.period, request.period_unit)


def max_per_day(request: MedicationRequest) -> int:
    """The most doses an as-needed order allows in one calendar day."""
    return max(1, math.ceil(doses_per_day(request)))


def describe(request: MedicationRequest) -> str:
    unit = getattr(request.period_unit, "value", request.period_unit)
    return f"{request.frequency} every {request.period:g} {unit}"


def _clock_times(per_day: int) -> list[time]:
    if per_day == 1:
        return [time(WAKING_FIRST)]
    if per_day <= 4:
        step = (WAKING_LAST - WAKING_FIRST) * 60 // (per_day - 1)
        return [
            time((WAKING_FIRST * 60 + i * step) // 60, (WAKING_FIRST * 60 + i * step) % 60)
            for i in range(per_day)
        ]
    minutes = [round(i * 24 * 60 / per_day) for i in range(per_day)]
    return [time(m // 60, m % 60) for m in minutes]


@dataclass(frozen=True, slots=True)
class Schedule:
    """The nominal local times a scheduled order expects doses on its days."""

    every_days: int
    times: tuple[time, ...]


def schedule_of(request: MedicationRequest) -> Schedule:
    per_day = doses_per_day(request)
    if per_day >= 1:
        return Schedule(1, tuple(_clock_times(max(1, round(per_day)))))
    return Schedule(max(1, round(1 / per_day)), (time(WAKING_FIRST),))


def scheduled_times(
    request: MedicationRequest, first: date, last: date, zone: ZoneInfo
) -> list[datetime]:
    """The order's nominal dose times on local days `first`..`last` within its own dates."""
    start = max(first, request.start_date)
    end = min(last, request.end_date) if request.end_date else last
    plan = schedule_of(request)
    found: list[datetime] = []
    day = start
    while day <= end:
        if (day - request.start_date).days % plan.every_days == 0:
            found.extend(datetime.combine(day, at, tzinfo=zone) for at in plan.times)
        day += timedelta(days=1)
    return found
