"""Clinical values in the words and shapes a page shows: sig text, ages, a pain sparkline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

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


@dataclass(frozen=True, slots=True)
class Sparkline:
    """An inline SVG line: `points` for a <polyline>, `dots` for the readings' markers.

    The plot area runs from `left` to `right` and from `top_y` (the scale's high end) down to
    `baseline_y` (its low end); the margins leave room for the axis labels.
    """

    width: int
    height: int
    points: str
    dots: tuple[tuple[float, float], ...]
    left: int
    right: int
    top_y: int
    baseline_y: int


def sparkline(
    readings: Sequence[tuple[datetime, float]],
    *,
    start: datetime,
    end: datetime,
    low: float = 0,
    high: float = 10,
    width: int = 360,
    height: int = 96,
    margins: tuple[int, int, int, int] = (8, 10, 22, 26),
) -> Sparkline:
    """Place readings on a time axis from `start` to `end` and a value axis from low to high.

    `margins` are (top, right, bottom, left) in pixels.
    """
    top, right_margin, bottom, left = margins
    span = max((end - start).total_seconds(), 1.0)
    inner_width, inner_height = width - left - right_margin, height - top - bottom

    def place(moment: datetime, value: float) -> tuple[float, float]:
        share = min(max((moment - start).total_seconds() / span, 0.0), 1.0)
        level = (min(max(value, low), high) - low) / (high - low)
        return round(left + share * inner_width, 1), round(top + (1 - level) * inner_height, 1)

    dots = tuple(place(moment, value) for moment, value in sorted(readings))
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{x},{y}" for x, y in dots),
        dots=dots,
        left=left,
        right=width - right_margin,
        top_y=top,
        baseline_y=top + inner_height,
    )
