"""The monthly billing ledger: days with qualifying data in a 30-day device period and timed
management minutes in a calendar month, split by who performed them.

Days are the patient's local calendar days; the caller converts instants with the patient's
IANA zone before building `Reading`s. RPM counts sensed device data only (CMS: automatically
transmitted data from a medical device); RTM also counts self-reported data.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from painpath.monitoring.billing.codes import BillingDecision, billable_codes, program_rule

PERIOD_DAYS = 30


class Modality(StrEnum):
    sensed = "sensed"
    self_reported = "self-reported"


@dataclass(frozen=True, slots=True)
class Reading:
    """A data point on a local day: a device reading, or a diary or questionnaire entry."""

    day: date
    modality: Modality
    stream: str = ""


@dataclass(frozen=True, slots=True)
class TimedMinutes:
    """Treatment-management time one person logged on a day."""

    day: date
    minutes: int
    performer: str
    interactive: bool = False  # included a real-time audio/video exchange with the patient

    def __post_init__(self) -> None:
        if self.minutes < 0:
            raise ValueError("minutes must not be negative")


def device_period(start: date) -> tuple[date, date]:
    """The 30-day device period starting on `start` (both ends inclusive)."""
    return start, start + timedelta(days=PERIOD_DAYS - 1)


def device_periods(first_day: date, through: date) -> list[tuple[date, date]]:
    """Consecutive 30-day periods from `first_day` until the one containing `through`."""
    periods: list[tuple[date, date]] = []
    start = first_day
    while start <= through:
        periods.append(device_period(start))
        start += timedelta(days=PERIOD_DAYS)
    return periods


def calendar_month(day: date) -> tuple[date, date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


@dataclass(frozen=True, slots=True)
class PeriodLedger:
    program: str
    period_start: date
    period_end: date
    data_days: tuple[date, ...]
    excluded_self_reported_days: tuple[date, ...]  # RPM: days with only self-reported data
    month_start: date
    month_end: date
    minutes: int
    minutes_by_performer: Mapping[str, int]
    interactive_days: tuple[date, ...]

    @property
    def data_day_count(self) -> int:
        return len(self.data_days)

    @property
    def interactive(self) -> bool:
        return bool(self.interactive_days)

    def decide(self, *, first_period: bool, already_billed: Iterable[str] = ()) -> BillingDecision:
        """`billable_codes` for this ledger's counts."""
        return billable_codes(
            self.program,
            data_days=self.data_day_count,
            minutes=self.minutes,
            interactive=self.interactive,
            first_period=first_period,
            already_billed=already_billed,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "period": [self.period_start.isoformat(), self.period_end.isoformat()],
            "data_days": self.data_day_count,
            "days_with_data": [d.isoformat() for d in self.data_days],
            "excluded_self_reported_days": [
                d.isoformat() for d in self.excluded_self_reported_days
            ],
            "month": [self.month_start.isoformat(), self.month_end.isoformat()],
            "minutes": self.minutes,
            "minutes_by_performer": dict(self.minutes_by_performer),
            "interactive_days": [d.isoformat() for d in self.interactive_days],
        }


def period_ledger(
    program: str,
    readings: Iterable[Reading],
    time_logs: Iterable[TimedMinutes],
    *,
    period_start: date,
    month: date | None = None,
) -> PeriodLedger:
    """Days with ≥ 1 qualifying reading in the 30-day period from `period_start`, and minutes in
    the calendar month containing `month` (default: the month `period_start` falls in)."""
    rule = program_rule(program)
    start, end = device_period(period_start)
    month_start, month_end = calendar_month(month or period_start)
    qualifying: set[date] = set()
    self_reported: set[date] = set()
    for reading in readings:
        if not start <= reading.day <= end:
            continue
        if reading.modality is Modality.sensed or rule.self_report_allowed:
            qualifying.add(reading.day)
        else:
            self_reported.add(reading.day)
    by_performer: Counter[str] = Counter()
    interactive_days: set[date] = set()
    for log in time_logs:
        if month_start <= log.day <= month_end:
            by_performer[log.performer] += log.minutes
            if log.interactive:
                interactive_days.add(log.day)
    return PeriodLedger(
        program=program,
        period_start=start,
        period_end=end,
        data_days=tuple(sorted(qualifying)),
        excluded_self_reported_days=tuple(sorted(self_reported - qualifying)),
        month_start=month_start,
        month_end=month_end,
        minutes=sum(by_performer.values()),
        minutes_by_performer=MappingProxyType(dict(sorted(by_performer.items()))),
        interactive_days=tuple(sorted(interactive_days)),
    )
