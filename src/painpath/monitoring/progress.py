"""A patient's own progress in plain words: this period against the one before.

Pure: the services layer gathers the daily values (pain, sleep, steps, as-needed doses) on the
patient's local days; this module averages two windows of equal length and words the change
("Your average pain over the last 30 days: 5.2 out of 10, down from 6.4 in the 30 days
before."). Whether a change is good news depends on the measure (less pain is better, more
sleep and more steps are better); changes smaller than a measure's rounding are called "about
the same", never "up" or "down".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

#: The window the patient app compares: the last 30 days against the 30 days before.
WINDOW_DAYS = 30


class Trend(StrEnum):
    better = "better"
    worse = "worse"
    same = "same"
    #: Nothing to compare with (no data in the earlier window).
    new = "new"


@dataclass(frozen=True, slots=True)
class Measure:
    """How one measure is averaged and worded."""

    key: str
    #: "Your average pain", "You slept", ...
    lead: str
    #: Formats a value: "5.2 out of 10", "6.5 hours a night".
    unit: str
    decimals: int
    higher_is_better: bool
    #: Summed over the window (doses) rather than averaged per day with data.
    total: bool = False


PAIN = Measure("pain", "Your average pain", "out of 10", 1, higher_is_better=False)
SLEEP = Measure("sleep", "Your average sleep", "hours a night", 1, higher_is_better=True)
STEPS = Measure("steps", "Your average steps", "steps a day", 0, higher_is_better=True)
PRN_DOSES = Measure(
    "prn_doses", "As-needed doses you logged", "doses", 0, higher_is_better=False, total=True
)
MEASURES = (PAIN, SLEEP, STEPS, PRN_DOSES)


@dataclass(frozen=True, slots=True)
class ProgressLine:
    measure: str
    sentence: str
    trend: Trend
    current: float
    previous: float | None
    #: Days in the last window with a value (for totals: days with at least one dose).
    days: int


def windows(today: date, days: int = WINDOW_DAYS) -> tuple[tuple[date, date], tuple[date, date]]:
    """(first, last) of the current window ending today, and of the one before it."""
    current = (today - timedelta(days=days - 1), today)
    previous = (current[0] - timedelta(days=days), current[0] - timedelta(days=1))
    return current, previous


def _summary(values: Mapping[date, float], first: date, last: date, *, total: bool) -> float | None:
    inside = [value for day, value in values.items() if first <= day <= last]
    if not inside:
        return None
    return float(sum(inside)) if total else sum(inside) / len(inside)


def _shown(value: float, measure: Measure) -> str:
    rounded = round(value, measure.decimals)
    if measure.decimals == 0:
        return f"{int(rounded):,}"
    return f"{rounded:.{measure.decimals}f}"


def describe(
    measure: Measure, values: Mapping[date, float], today: date, days: int = WINDOW_DAYS
) -> ProgressLine | None:
    """The sentence for one measure, or None when the last window has no data.

    Values are compared as shown: 5.24 and 5.16 both read 5.2, so they are "about the same".
    """
    (first, last), (before_first, before_last) = windows(today, days)
    current = _summary(values, first, last, total=measure.total)
    if current is None:
        return None
    previous = _summary(values, before_first, before_last, total=measure.total)
    count = sum(1 for day in values if first <= day <= last)
    head = f"{measure.lead} over the last {days} days: {_shown(current, measure)} {measure.unit}"
    if previous is None:
        return ProgressLine(measure.key, head + ".", Trend.new, current, None, count)
    now, before = round(current, measure.decimals), round(previous, measure.decimals)
    if now == before:
        trend, change = Trend.same, f"about the same as in the {days} days before"
    else:
        went_up = now > before
        trend = Trend.better if went_up == measure.higher_is_better else Trend.worse
        direction = "up" if went_up else "down"
        change = f"{direction} from {_shown(previous, measure)} in the {days} days before"
    return ProgressLine(measure.key, f"{head}, {change}.", trend, current, previous, count)


def progress_lines(
    series: Mapping[str, Mapping[date, float]], today: date, days: int = WINDOW_DAYS
) -> list[ProgressLine]:
    """One line per measure with data in the last window, in `MEASURES` order."""
    found = []
    for measure in MEASURES:
        line = describe(measure, series.get(measure.key, {}), today, days)
        if line is not None:
            found.append(line)
    return found
