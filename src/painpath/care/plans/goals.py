"""Evaluate a goal against monitoring data: is it met, and which way is it going?

Pure: the service hands in the goal and the readings (scored PEG responses, or the wearable's
daily totals) and stores what comes back. The rules, with their sources, are in
`plan_knowledge.json` (see docs/care-plans.md):

- PEG ≤ target: the latest scored PEG response on or after the goal's start decides.
- Daily steps / active minutes ≥ target: met on at least `days_required` (5) of the
  `window_days` (7) days ending on the latest day with data; a day without data is not met.

Achievement follows FHIR's goal-achievement codes: `achieved` when met; otherwise `improving`,
`worsening` or `no-change` against the previous reading (PEG) or the previous window (daily
measures), `in-progress` with nothing to compare, `not-achieved` once the due date has passed,
and no status at all while there is no data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from painpath.care.plans.knowledge import GoalKind, plan_knowledge
from painpath.care.plans.vocabulary import GoalAchievement


@dataclass(frozen=True, slots=True)
class Reading:
    """One value on one of the patient's local days (a PEG score, a day's step total)."""

    day: date
    value: float


@dataclass(frozen=True, slots=True)
class GoalTarget:
    kind: str
    target: float | None
    start: date
    due: date | None = None


@dataclass(frozen=True, slots=True)
class GoalEvaluation:
    met: bool
    achievement: GoalAchievement | None
    value: float | None  # the latest PEG score, or the days met in the window
    observed_on: date | None  # the reading's day, or the window's last day
    summary: str  # one line the clinician and the patient can read


def goal_kind(kind: str) -> GoalKind:
    found = find_goal_kind(kind)
    if found is None:
        raise KeyError(f"unknown goal kind {kind!r}")
    return found


def find_goal_kind(kind: str) -> GoalKind | None:
    """The goal kind, or None for one this release does not know (a stored row is hostile)."""
    return plan_knowledge().goal_kinds.get(kind)


def _meets(kind: GoalKind, value: float, target: float) -> bool:
    return value <= target if kind.direction == "at_most" else value >= target


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _latest_reading(
    kind: GoalKind, goal: GoalTarget, readings: Sequence[Reading], today: date
) -> GoalEvaluation:
    target = float(goal.target if goal.target is not None else 0)
    usable = sorted((r for r in readings if r.day >= goal.start), key=lambda r: r.day)
    if not usable:
        return _no_data(goal, today)
    latest = usable[-1]
    summary = f"latest {kind.measure.upper() if kind.measure else ''} {_number(latest.value)}"
    summary += f" on {latest.day.isoformat()} (target {_number(target)} or less)"
    if _meets(kind, latest.value, target):
        return GoalEvaluation(True, GoalAchievement.achieved, latest.value, latest.day, summary)
    if goal.due is not None and today > goal.due:
        achievement = GoalAchievement.not_achieved
    elif len(usable) == 1:
        achievement = GoalAchievement.in_progress
    else:
        before = usable[-2].value
        better = latest.value < before if kind.direction == "at_most" else latest.value > before
        worse = latest.value > before if kind.direction == "at_most" else latest.value < before
        achievement = (
            GoalAchievement.improving
            if better
            else GoalAchievement.worsening
            if worse
            else GoalAchievement.no_change
        )
    return GoalEvaluation(False, achievement, latest.value, latest.day, summary)


def _days_met(
    by_day: dict[date, float], end: date, window: int, start: date, target: float, kind: GoalKind
) -> int:
    days = (end - timedelta(days=offset) for offset in range(window))
    return sum(
        1 for day in days if day >= start and day in by_day and _meets(kind, by_day[day], target)
    )


def _daily(
    kind: GoalKind, goal: GoalTarget, readings: Sequence[Reading], today: date
) -> GoalEvaluation:
    assert kind.days_required is not None
    assert kind.window_days is not None
    target = float(goal.target if goal.target is not None else 0)
    by_day = {r.day: r.value for r in readings if r.day >= goal.start}
    if not by_day:
        return _no_data(goal, today)
    end = max(by_day)
    window = kind.window_days
    met_days = _days_met(by_day, end, window, goal.start, target, kind)
    summary = (
        f"{met_days} of the {window} days to {end.isoformat()} at {_number(target)} "
        f"{kind.unit} or more (needs {kind.days_required})"
    )
    if met_days >= kind.days_required:
        return GoalEvaluation(True, GoalAchievement.achieved, met_days, end, summary)
    if goal.due is not None and today > goal.due:
        achievement = GoalAchievement.not_achieved
    elif end - timedelta(days=window) < goal.start:
        achievement = GoalAchievement.in_progress  # no earlier full window to compare with
    else:
        before = _days_met(by_day, end - timedelta(days=window), window, goal.start, target, kind)
        achievement = (
            GoalAchievement.improving
            if met_days > before
            else GoalAchievement.worsening
            if met_days < before
            else GoalAchievement.no_change
        )
    return GoalEvaluation(False, achievement, met_days, end, summary)


def _no_data(goal: GoalTarget, today: date) -> GoalEvaluation:
    if goal.due is not None and today > goal.due:
        return GoalEvaluation(False, GoalAchievement.not_achieved, None, None, "no data")
    return GoalEvaluation(False, None, None, None, "no data yet")


def evaluate_goal(goal: GoalTarget, readings: Sequence[Reading], *, today: date) -> GoalEvaluation:
    """How `goal` stands on `readings` (see the module doc); `today` is the patient's day."""
    kind = find_goal_kind(goal.kind)
    if kind is None or not kind.automatic:
        return GoalEvaluation(False, None, None, None, "reviewed by the care team")
    if kind.daily:
        return _daily(kind, goal, readings, today)
    return _latest_reading(kind, goal, readings, today)


def check_target(kind_id: str, target: float | None) -> float | None:
    """The target to store for a goal of `kind_id`: the default when none is given.

    Raises ValueError naming the bounds when the target is outside them.
    """
    kind = goal_kind(kind_id)
    if not kind.automatic:
        if target is not None:
            raise ValueError(f"a {kind_id} goal has no numeric target")
        return None
    chosen = kind.default_target if target is None else float(target)
    assert chosen is not None
    assert kind.minimum is not None
    assert kind.maximum is not None
    if not kind.minimum <= chosen <= kind.maximum:
        raise ValueError(
            f"target for {kind_id} must be between {_number(kind.minimum)} and "
            f"{_number(kind.maximum)} {kind.unit}"
        )
    return chosen


def plain_goal(kind_id: str, target: float | None, description: str) -> str:
    """The goal in plain words, for the patient's page (the description for an unknown kind)."""
    kind = find_goal_kind(kind_id)
    if kind is None:
        return description
    shown = _number(target) if target is not None else ""
    return kind.plain.format(target=shown, description=description)
