"""Clinically important change against a baseline, by the IMMPACT thresholds.

Dworkin RH, Turk DC, Wyrwich KW, et al. Interpreting the clinical importance of treatment
outcomes in chronic pain clinical trials: IMMPACT recommendations. J Pain 2008;9(2):105-121.
A change of 30 % or more is moderately important, 50 % or more substantial; on a 0-10 pain
intensity rating a change of 2 points or more is moderately important too (Farrar et al., Pain
2001;94:149-158). The same thresholds are applied to worsening as to improvement.

Choices (painpath's, documented here and in docs/instruments.md):
- Percentages are of the baseline; with a baseline of 0 a percentage cannot be computed and only
  a points threshold (where the instrument has one) can classify the change.
- Points thresholds: NRS and BPI severity 2 points (0-10 pain ratings, Farrar 2001); ODI 10
  points (Ostelo et al., Spine 2008;33:90-94). Other instruments use percentages only.
- Series compare weekly means (ISO weeks, Monday first), not single entries; a week is valid with
  at least `min_entries_per_week` entries (default 4). Without a given baseline, the first valid
  week is the baseline. Dates are the patient's local dates: convert before calling.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

Direction = Literal["improved", "worsened", "unchanged"]
Category = Literal["substantial", "moderate", "below_threshold", "not_computable"]

MODERATE_PERCENT = Fraction(30)
SUBSTANTIAL_PERCENT = Fraction(50)
#: Absolute changes that count as moderately important, by instrument id.
POINT_THRESHOLDS: Mapping[str, Fraction] = MappingProxyType(
    {"nrs": Fraction(2), "bpi-sf": Fraction(2), "odi": Fraction(10)}
)
DEFAULT_MIN_ENTRIES_PER_WEEK = 4


def _exact(value: float) -> Fraction:
    # Through the decimal text, so that 7 against 10 is exactly 30 %, not 29.999….
    return Fraction(Decimal(str(value)))


@dataclass(frozen=True, slots=True)
class ImmpactChange:
    """One comparison of a current value with the baseline."""

    baseline: float
    current: float
    absolute_change: float  # current - baseline
    percent_change: float | None  # of the baseline; None when the baseline is 0
    direction: Direction
    category: Category

    def as_json(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "current": self.current,
            "absolute_change": self.absolute_change,
            "percent_change": self.percent_change,
            "direction": self.direction,
            "category": self.category,
        }


def immpact_change(
    baseline: float, current: float, *, instrument: str = "nrs", higher_is_worse: bool = True
) -> ImmpactChange:
    """Classify the change from `baseline` to `current` for `instrument` (an instrument id).

    `higher_is_worse` is true for every painpath instrument (pain, interference, disability,
    depression); pass False for a scale where higher is better.
    """
    if baseline < 0 or current < 0:
        raise ValueError("scores for IMMPACT change must not be negative")
    start, end = _exact(baseline), _exact(current)
    change = end - start
    percent = None if start == 0 else abs(change) * 100 / start
    points = POINT_THRESHOLDS.get(instrument.lower())
    category: Category
    if change == 0:
        category = "below_threshold"
    elif percent is not None and percent >= SUBSTANTIAL_PERCENT:
        category = "substantial"
    elif (percent is not None and percent >= MODERATE_PERCENT) or (
        points is not None and abs(change) >= points
    ):
        category = "moderate"
    elif percent is None and points is None:
        category = "not_computable"
    else:
        category = "below_threshold"
    direction: Direction
    if change == 0:
        direction = "unchanged"
    else:
        direction = "improved" if (change < 0) == higher_is_worse else "worsened"
    signed_percent = None if start == 0 else change * 100 / start
    return ImmpactChange(
        baseline=float(baseline),
        current=float(current),
        absolute_change=round(float(change), 2),
        percent_change=None if signed_percent is None else round(float(signed_percent), 1),
        direction=direction,
        category=category,
    )


@dataclass(frozen=True, slots=True)
class WeeklyMean:
    """One ISO week of entries; `change` is against the baseline when the week is valid."""

    week_start: date
    entries: int
    mean: float
    valid: bool
    change: ImmpactChange | None

    def as_json(self) -> dict[str, Any]:
        return {
            "week_start": self.week_start.isoformat(),
            "entries": self.entries,
            "mean": self.mean,
            "valid": self.valid,
            "change": None if self.change is None else self.change.as_json(),
        }


@dataclass(frozen=True, slots=True)
class ChangeSeries:
    """Weekly means of a score series, each valid week compared with the baseline."""

    instrument: str
    baseline: float | None
    baseline_week: date | None  # None when the baseline was given
    weeks: tuple[WeeklyMean, ...]

    def latest(self) -> WeeklyMean | None:
        """The most recent valid week that was compared with the baseline."""
        return next((w for w in reversed(self.weeks) if w.change is not None), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "baseline": self.baseline,
            "baseline_week": None if self.baseline_week is None else self.baseline_week.isoformat(),
            "weeks": [week.as_json() for week in self.weeks],
        }


def immpact_series(
    entries: Iterable[tuple[date, float]],
    *,
    instrument: str = "nrs",
    baseline: float | None = None,
    min_entries_per_week: int = DEFAULT_MIN_ENTRIES_PER_WEEK,
    higher_is_worse: bool = True,
) -> ChangeSeries:
    """Weekly means of dated scores and their IMMPACT change against the baseline.

    `baseline` given: every valid week is compared with it. Otherwise the first valid week is the
    baseline and later valid weeks are compared with its mean. Weeks with fewer than
    `min_entries_per_week` entries are listed, marked invalid and not compared.
    """
    if min_entries_per_week < 1:
        raise ValueError("min_entries_per_week must be at least 1")
    by_week: dict[date, list[Fraction]] = defaultdict(list)
    for day, value in entries:
        local = day.date() if isinstance(day, datetime) else day
        by_week[local - timedelta(days=local.weekday())].append(_exact(value))
    weeks: list[WeeklyMean] = []
    reference = baseline
    baseline_week: date | None = None
    for start in sorted(by_week):
        values = by_week[start]
        mean = round(float(sum(values) / len(values)), 2)
        valid = len(values) >= min_entries_per_week
        change = None
        if valid and reference is None:
            reference, baseline_week = mean, start
        elif valid and reference is not None:
            change = immpact_change(
                reference, mean, instrument=instrument, higher_is_worse=higher_is_worse
            )
        weeks.append(WeeklyMean(start, len(values), mean, valid, change))
    return ChangeSeries(instrument, reference, baseline_week, tuple(weeks))
