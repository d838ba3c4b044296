"""The dose path of a taper, undated: what the patient takes at each step, per the HHS 2019 guide.

Two phases. **Reduction**: the planned dose falls by a share of the *original* dose per step
until it reaches a share of it (10 % steps down to 30 %), then by a share of the *remaining*
planned dose; each step's dose is rounded up to what the smallest strength can make, and no step
cuts more than `max_cut` of the dose taken (when the strengths cannot make the next planned dose,
the dose holds). **Interval**: once the strengths cannot make any smaller dose within
`max_cut`, the dose taken each time stays at the smallest strength and the time between doses
lengthens, one dose a day fewer per step, then every other day; the plan stops once the dose is
taken less than daily. The path is never longer than `max_steps`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

HOURS_A_DAY = 24
EVERY_OTHER_DAY_HOURS = 48


@dataclass(frozen=True, slots=True)
class PathRules:
    """How fast to go and where to stop (fractions, not percents)."""

    step_of_original: Decimal  # cut per step while above `slow_below`, as a share of the original
    slow_below: Decimal  # share of the original dose below which steps are a share of the rest
    max_cut: Decimal  # largest cut of the dose taken in one step
    max_doses_per_day: int  # the interval phase starts only from this many doses a day or fewer
    max_steps: int


@dataclass(frozen=True, slots=True)
class PlannedDose:
    """One step: the amount a day (the average a day when taken less than daily)."""

    daily_mg: Decimal
    action: str  # "reduce", "hold", "goal", "lengthen", "stop"
    dose_mg: Decimal | None = None  # interval phase: the dose taken each time
    every_hours: int | None = None  # interval phase: hours between doses


@dataclass(frozen=True, slots=True)
class DosePath:
    doses: tuple[PlannedDose, ...]
    complete: bool  # False: cut at `max_steps`, or the strengths cannot go further
    notes: tuple[str, ...]


def round_up_to(amount: Decimal, granularity: Decimal) -> Decimal:
    """Up to what the strengths can make, so no step cuts more than planned so far."""
    return (amount / granularity).quantize(Decimal(1), rounding=ROUND_CEILING) * granularity


def _reductions(
    original: Decimal,
    goal: Decimal,
    smallest: Decimal,
    rules: PathRules,
    pauses: frozenset[int],
) -> tuple[list[PlannedDose], bool]:
    """The reduction phase, and whether it stalled (no smaller dose within `max_cut`)."""
    doses: list[PlannedDose] = []
    planned = current = original
    slow_below = original * rules.slow_below
    reductions = 0
    while current > goal and len(doses) < rules.max_steps:
        floor = round_up_to(current * (1 - rules.max_cut), smallest)
        if floor >= current:
            return doses, True
        share_of = original if planned > slow_below else planned
        planned -= share_of * rules.step_of_original
        target = max(round_up_to(max(planned, Decimal(0)), smallest), floor)
        if target <= goal:
            target = goal
        if target >= current:  # the strengths cannot make the planned dose yet: stay a while
            doses.append(PlannedDose(current, "hold"))
            continue
        current, reductions = target, reductions + 1
        doses.append(PlannedDose(current, "goal" if current == goal else "reduce"))
        if reductions in pauses and current > goal:
            doses.append(PlannedDose(current, "hold"))
    return doses, False


def _lengthening(current: Decimal, smallest: Decimal) -> list[PlannedDose]:
    """Fewer doses of the smallest strength a day, then every other day, then stop."""
    per_day = int(current / smallest)
    doses = [
        PlannedDose(smallest * count, "lengthen", smallest, HOURS_A_DAY // count)
        for count in range(per_day - 1, 0, -1)
    ]
    doses.append(PlannedDose(smallest / 2, "lengthen", smallest, EVERY_OTHER_DAY_HOURS))
    doses.append(PlannedDose(Decimal(0), "stop"))
    return doses


def _percent(share: Decimal) -> str:
    return f"{float(share * 100):g} %"


def _mg(amount: Decimal) -> str:
    return f"{float(amount):g} mg"


def _few_whole_doses(current: Decimal, smallest: Decimal, rules: PathRules) -> bool:
    """Whether `current` mg a day is a few whole doses of the smallest strength (at most
    `max_doses_per_day`), the point from which the interval phase can start."""
    per_day = current / smallest
    return per_day == per_day.to_integral_value() and per_day <= rules.max_doses_per_day


def dose_path(
    original: Decimal,
    goal: Decimal,
    strengths: tuple[Decimal, ...],
    rules: PathRules,
    pauses: frozenset[int] = frozenset(),
) -> DosePath:
    """The steps from `original` mg a day to `goal` (0: off), in whole units of the smallest
    strength."""
    smallest = min(strengths)
    doses, stalled = _reductions(original, goal, smallest, rules, pauses)
    notes: list[str] = []
    complete = stalled or (bool(doses) and doses[-1].action in ("stop", "goal"))
    current = doses[-1].daily_mg if doses else original
    if stalled:
        if goal > 0 or not _few_whole_doses(current, smallest, rules):
            complete = False
            notes.append(
                f"The strengths cannot make a dose below {_mg(current)} a day without cutting "
                f"more than {_percent(rules.max_cut)} of it at once: give a smaller strength (an "
                "oral solution, or a scored tablet halved) to plan the rest, or plan it with the "
                "patient."
            )
        else:
            doses.extend(_lengthening(current, smallest))
            notes.append(
                f"From {_mg(current)} a day the strengths cannot make a smaller dose within "
                f"{_percent(rules.max_cut)}: the dose taken each time stays at {_mg(smallest)} "
                "and the time between doses lengthens, as the HHS 2019 guide advises once the "
                "smallest available dose is reached. Each lengthening lowers the amount a day by "
                "a quarter to a half; a smaller strength (an oral solution, or a scored tablet "
                "halved) allows gentler steps before it."
            )
    if len(doses) > rules.max_steps or not (stalled or complete):
        doses = doses[: rules.max_steps]
        complete = False
        notes.append(
            f"The schedule would take more than {rules.max_steps} steps at this pace: the first "
            f"{rules.max_steps} are shown. Review the pace with the patient and plan the rest "
            "at a later visit."
        )
    return DosePath(doses=tuple(doses), complete=complete, notes=tuple(notes))
