"""The period ledger: distinct days with qualifying data in a 30-day period, minutes per
calendar month by performer, and the interactive-communication flag."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from painpath.monitoring.billing import (
    Modality,
    Reading,
    TimedMinutes,
    calendar_month,
    device_period,
    device_periods,
    period_ledger,
)

START = date(2026, 3, 10)


def sensed(offset: int, stream: str = "blood-pressure") -> Reading:
    return Reading(START + timedelta(days=offset), Modality.sensed, stream)


def diary(offset: int) -> Reading:
    return Reading(START + timedelta(days=offset), Modality.self_reported, "pain-diary")


def test_a_device_period_is_thirty_days_inclusive() -> None:
    assert device_period(START) == (START, date(2026, 4, 8))
    assert device_periods(START, date(2026, 4, 9)) == [
        (START, date(2026, 4, 8)),
        (date(2026, 4, 9), date(2026, 5, 8)),
    ]


def test_calendar_month_handles_february() -> None:
    assert calendar_month(date(2028, 2, 14)) == (date(2028, 2, 1), date(2028, 2, 29))


def test_several_readings_on_one_day_count_once_and_outside_days_not_at_all() -> None:
    readings = [sensed(0), sensed(0, "weight"), sensed(1), sensed(29), sensed(30), sensed(-1)]
    ledger = period_ledger("RPM", readings, [], period_start=START)
    assert ledger.data_days == (START, START + timedelta(days=1), START + timedelta(days=29))
    assert ledger.data_day_count == 3


def test_rpm_counts_sensed_data_only_and_reports_diary_only_days() -> None:
    readings = [sensed(0), diary(0), diary(1), diary(2)]
    ledger = period_ledger("RPM", readings, [], period_start=START)
    assert ledger.data_day_count == 1
    assert ledger.excluded_self_reported_days == (
        START + timedelta(days=1),
        START + timedelta(days=2),
    )


def test_rtm_counts_self_reported_data() -> None:
    readings = [sensed(0), diary(0), diary(1), diary(2)]
    ledger = period_ledger("RTM-MSK", readings, [], period_start=START)
    assert ledger.data_day_count == 3
    assert ledger.excluded_self_reported_days == ()


def test_minutes_are_summed_per_calendar_month_by_performer() -> None:
    logs = [
        TimedMinutes(date(2026, 3, 2), 12, "nurse:ann"),
        TimedMinutes(date(2026, 3, 20), 15, "dr:bo", interactive=True),
        TimedMinutes(date(2026, 3, 31), 5, "nurse:ann"),
        TimedMinutes(date(2026, 4, 1), 30, "dr:bo", interactive=True),  # next month
    ]
    ledger = period_ledger("RPM", [], logs, period_start=START)
    assert ledger.month_start == date(2026, 3, 1)
    assert ledger.minutes == 32
    assert dict(ledger.minutes_by_performer) == {"dr:bo": 15, "nurse:ann": 17}
    assert ledger.interactive is True
    assert ledger.interactive_days == (date(2026, 3, 20),)
    april = period_ledger("RPM", [], logs, period_start=START, month=date(2026, 4, 15))
    assert (april.minutes, april.interactive) == (30, True)


def test_no_interactive_log_means_no_interactive_flag() -> None:
    logs = [TimedMinutes(date(2026, 3, 12), 25, "nurse:ann")]
    ledger = period_ledger("RPM", [], logs, period_start=START)
    assert ledger.interactive is False


def test_the_ledger_decides_its_codes() -> None:
    readings = [sensed(day) for day in range(0, 36, 2)]  # 15 days inside the period
    logs = [
        TimedMinutes(date(2026, 3, 12), 10, "nurse:ann"),
        TimedMinutes(date(2026, 3, 13), 12, "dr:bo", interactive=True),
    ]
    ledger = period_ledger("RPM", readings, logs, period_start=START)
    assert ledger.data_day_count == 15
    decision = ledger.decide(first_period=True)
    assert decision.code_units() == {"99453": 1, "99445": 1, "99457": 1}
    document = ledger.as_json()
    assert document["data_days"] == 15
    assert document["minutes_by_performer"] == {"dr:bo": 12, "nurse:ann": 10}


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="minutes must not be negative"):
        TimedMinutes(START, -1, "nurse:ann")
