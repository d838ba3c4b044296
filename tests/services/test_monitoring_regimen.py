"""A prescription's timing per calendar day: the PRN maximum and the nominal dose times."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from painpath.models import MedicationRequest
from painpath.models.medication import PeriodUnit
from painpath.services.monitoring.regimen import max_per_day, schedule_of, scheduled_times


def order(
    frequency: int, period: float, unit: PeriodUnit, *, end: date | None = None
) -> MedicationRequest:
    return MedicationRequest(
        frequency=frequency,
        period=period,
        period_unit=unit,
        start_date=date(2026, 3, 1),
        end_date=end,
    )


@pytest.mark.parametrize(
    ("frequency", "period", "unit", "expected"),
    [
        (1, 4, PeriodUnit.hour, 6),  # q4h: 0, 4, 8, 12, 16, 20 h
        (1, 5, PeriodUnit.hour, 5),  # q5h: 0, 5, 10, 15, 20 h
        (1, 6, PeriodUnit.hour, 4),
        (4, 1, PeriodUnit.day, 4),
        (1, 2, PeriodUnit.day, 1),  # every other day: never more than 1 on a day
        (2, 1, PeriodUnit.week, 1),
        (3, 0.5, PeriodUnit.day, 6),
    ],
)
def test_prn_maximum_per_day(
    frequency: int, period: float, unit: PeriodUnit, expected: int
) -> None:
    assert max_per_day(order(frequency, period, unit)) == expected


@pytest.mark.parametrize(
    ("frequency", "period", "unit", "every_days", "times"),
    [
        (1, 1, PeriodUnit.day, 1, ["08:00"]),
        (2, 1, PeriodUnit.day, 1, ["08:00", "20:00"]),
        (1, 12, PeriodUnit.hour, 1, ["08:00", "20:00"]),
        (3, 1, PeriodUnit.day, 1, ["08:00", "14:00", "20:00"]),
        (4, 1, PeriodUnit.day, 1, ["08:00", "12:00", "16:00", "20:00"]),
        (1, 4, PeriodUnit.hour, 1, ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"]),
        (1, 1, PeriodUnit.week, 7, ["08:00"]),
        (1, 1, PeriodUnit.month, 30, ["08:00"]),
    ],
)
def test_nominal_schedule(
    frequency: int, period: float, unit: PeriodUnit, every_days: int, times: list[str]
) -> None:
    plan = schedule_of(order(frequency, period, unit))
    assert plan.every_days == every_days
    assert [at.strftime("%H:%M") for at in plan.times] == times


def test_scheduled_times_stay_within_the_orders_dates() -> None:
    zone = ZoneInfo("America/Chicago")
    weekly = order(1, 1, PeriodUnit.week, end=date(2026, 3, 20))
    due = scheduled_times(weekly, date(2026, 2, 1), date(2026, 4, 1), zone)
    assert [(d.date(), d.timetz().replace(tzinfo=None)) for d in due] == [
        (date(2026, 3, 1), time(8)),
        (date(2026, 3, 8), time(8)),
        (date(2026, 3, 15), time(8)),
    ]
    assert all(d.tzinfo == zone for d in due)
