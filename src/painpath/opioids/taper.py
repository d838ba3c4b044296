"""Opioid taper schedules per the HHS 2019 Guide for Clinicians on the Appropriate Dosage
Reduction or Discontinuation of Long-Term Opioid Analgesics.

Steps come once a month for patients who have taken opioids for a long time (a year or more),
once a week for shorter use. The dose falls by 10 % of the original dose per step down to 30 % of
it, then by 10 % of the remaining dose; no step cuts more than a set share (25 %) of the dose
taken; once the strengths cannot make a smaller dose within that share, the smallest dose is
taken less and less often, and stopped once taken less than daily (painpath.opioids.taper_path).
Pauses hold a dose for one more interval. The schedule never runs past a set number of steps and
says so when cut short. Methadone, buprenorphine, transdermal fentanyl, non-oral forms, opioid use
disorder and pregnancy are refused with the reason: those tapers need a clinician's plan, not a
generated schedule.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from painpath.kit.clock import EARLIEST_DATE, LATEST_DATE
from painpath.opioids.dosage import exact
from painpath.opioids.inputs import Route
from painpath.opioids.knowledge import FactorTableName, factor_table, load_knowledge
from painpath.opioids.mme import display
from painpath.opioids.taper_path import EVERY_OTHER_DAY_HOURS, PathRules, dose_path

_KNOWLEDGE = load_knowledge("taper.json")
MAX_STEPS: int = _KNOWLEDGE["max_steps"]
MAX_DAILY_MG = 10_000  # far above any oral opioid regimen: larger is a typing error


class TaperRefused(ValueError):
    """Tapering this medication should not be automated; the message says why and what to do."""


class TaperRequest(BaseModel):
    """What a taper plan starts from."""

    # Bounded inputs keep the plan's arithmetic finite: a dose above 10 g a day, a start
    # outside 1900-2199 or a step under 0.1 % is not a prescription.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    ingredient: Annotated[str, Field(min_length=1)]
    daily_dose_mg: Annotated[float, Field(gt=0, le=MAX_DAILY_MG)]
    start: Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
    long_term: bool = True  # a year or more of use: monthly steps; otherwise weekly
    # share of the original dose per step, down to 30 % of it; then of the remaining dose
    step_percent: Annotated[float, Field(ge=0.1, le=50)] = float(
        _KNOWLEDGE["step_percent_of_original"]
    )
    # the largest cut of the dose taken in any one step
    max_cut_percent: Annotated[float, Field(gt=0, le=50)] = float(
        _KNOWLEDGE["max_cut_percent_of_current"]
    )
    strengths_mg: (
        Annotated[
            tuple[Annotated[float, Field(ge=0.01, le=MAX_DAILY_MG)], ...], Field(max_length=20)
        ]
        | None
    ) = None
    pause_after_steps: Annotated[
        tuple[Annotated[int, Field(gt=0, le=MAX_STEPS)], ...], Field(max_length=MAX_STEPS)
    ] = ()
    goal_daily_mg: Annotated[float, Field(ge=0, le=MAX_DAILY_MG)] = 0
    route: Route = Route.oral
    opioid_use_disorder: bool = False
    pregnant: bool = False
    factors: FactorTableName = FactorTableName.cdc2022


@dataclass(frozen=True, slots=True)
class TaperStep:
    number: int
    start: date
    end: date | None  # None: the last step continues
    daily_dose_mg: Decimal  # the average a day once the dose is taken less than daily
    mme_per_day: Decimal | None
    # "reduce", "hold" (a pause, or no smaller dose possible yet), "lengthen" (same dose, longer
    # between doses), "stop", "goal"
    action: str
    dose_mg: Decimal | None = None  # "lengthen" steps: the dose taken each time
    every_hours: int | None = None  # "lengthen" steps: the hours between doses

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "daily_dose_mg": display(self.daily_dose_mg),
            "mme_per_day": display(self.mme_per_day),
            "action": self.action,
            "dose_mg": display(self.dose_mg),
            "every_hours": self.every_hours,
        }

    def sentence(self) -> str:
        """The step as a patient reads it."""
        when = f"From {self.start:%d %b %Y}" + (f" to {self.end:%d %b %Y}" if self.end else " on")
        if self.action == "stop":
            return f"{when}: stop taking it."
        about = f"about {display(self.mme_per_day, 1):g} MME" if self.mme_per_day else ""
        daily = f"{display(self.daily_dose_mg, 2):g} mg a day"
        if self.dose_mg is not None and self.every_hours is not None:
            dose = f"{display(self.dose_mg, 2):g} mg"
            mme = f", {about}" if about else ""
            if self.every_hours == EVERY_OTHER_DAY_HOURS:
                return f"{when}: {dose} every other day, no more often (on average {daily}{mme})."
            return f"{when}: {dose} every {self.every_hours} hours, no more often ({daily}{mme})."
        mme = f" ({about})" if about else ""
        hold = ", no change this time" if self.action == "hold" else ""
        return f"{when}: {daily}{mme}{hold}."


@dataclass(frozen=True, slots=True)
class TaperPlan:
    ingredient: str
    original_daily_mg: Decimal
    step_mg: Decimal
    interval: str  # "week" or "month"
    steps: tuple[TaperStep, ...]
    source: str
    url: str
    factors: FactorTableName
    max_cut_percent: Decimal
    slow_below_percent: Decimal
    complete: bool  # False: cut short at MAX_STEPS, or the strengths cannot go further
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "ingredient": self.ingredient,
            "original_daily_mg": display(self.original_daily_mg),
            "reduction_mg_per_step": display(self.step_mg),
            "slow_below_mg": display(self.original_daily_mg * self.slow_below_percent / 100),
            "max_cut_percent_of_current": display(self.max_cut_percent),
            "interval": self.interval,
            "complete": self.complete,
            "max_steps": MAX_STEPS,
            "notes": list(self.notes),
            "steps": [step.as_json() for step in self.steps],
            "schedule": self.schedule(),
            "factors": factor_table(self.factors).describe(),
            "source": {"guideline": self.source, "url": self.url},
        }

    def schedule(self) -> list[str]:
        return [step.sentence() for step in self.steps]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _refusal(request: TaperRequest, ingredient: str, refer: dict[str, str]) -> str | None:
    if ingredient in refer:
        return refer[ingredient]
    if request.route is not Route.oral:
        return f"only oral forms are planned here; plan a {request.route.value} taper by hand"
    if request.opioid_use_disorder:
        return "opioid use disorder: offer medication for OUD rather than a taper (CDC 2022 Rec 12)"
    if request.pregnant:
        return "pregnancy: withdrawal risks the pregnancy; refer to obstetric and addiction care"
    if request.goal_daily_mg >= request.daily_dose_mg:
        return "the goal dose is not below the current dose"
    return None


def plan_taper(request: TaperRequest) -> TaperPlan:
    """A dated schedule from `request.start`; raises `TaperRefused` when a clinician must plan."""
    data = _KNOWLEDGE
    ingredient = request.ingredient.strip().lower()
    reason = _refusal(request, ingredient, data["refer_instead"])
    if reason:
        raise TaperRefused(f"{ingredient}: {reason}")
    strengths = request.strengths_mg or tuple(
        float(s) for s in data["strengths_mg"].get(ingredient, ())
    )
    if not strengths:
        raise TaperRefused(f"{ingredient}: no tablet strengths known; give them with strengths_mg")
    original, goal = exact(request.daily_dose_mg), exact(request.goal_daily_mg)
    slow_below = Decimal(data["slow_below_percent_of_original"])
    rules = PathRules(
        step_of_original=exact(request.step_percent) / 100,
        slow_below=slow_below / 100,
        max_cut=exact(request.max_cut_percent) / 100,
        max_doses_per_day=int(data["interval_phase_max_doses_per_day"]),
        max_steps=MAX_STEPS,
    )
    path = dose_path(
        original,
        goal,
        tuple(exact(s) for s in strengths),
        rules,
        frozenset(request.pause_after_steps),
    )
    table = factor_table(request.factors)
    factor = table.oral_mg.get(ingredient)

    def starts(n: int) -> date:
        if request.long_term:
            return add_months(request.start, n)
        return request.start + timedelta(weeks=n)

    last = len(path.doses) - 1
    steps = tuple(
        TaperStep(
            number=n + 1,
            start=starts(n),
            end=None if n == last and path.complete else starts(n + 1) - timedelta(days=1),
            daily_dose_mg=dose.daily_mg,
            mme_per_day=dose.daily_mg * factor if factor is not None and dose.daily_mg else None,
            action=dose.action,
            dose_mg=dose.dose_mg,
            every_hours=dose.every_hours,
        )
        for n, dose in enumerate(path.doses)
    )
    return TaperPlan(
        ingredient=ingredient,
        original_daily_mg=original,
        step_mg=original * rules.step_of_original,
        interval="month" if request.long_term else "week",
        steps=steps,
        source=data["source"],
        url=data["url"],
        factors=table.name,
        max_cut_percent=exact(request.max_cut_percent),
        slow_below_percent=slow_below,
        complete=path.complete,
        notes=path.notes,
    )
