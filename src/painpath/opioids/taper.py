"""Opioid taper schedules per the HHS 2019 Guide for Clinicians on the Appropriate Dosage
Reduction or Discontinuation of Long-Term Opioid Analgesics.

Each step lowers the daily dose by a fixed share of the *original* dose (10 %): once a month for
patients who have taken opioids for a long time (a year or more), once a week for shorter use.
Doses are rounded up to what the available tablet strengths can make up (so no step cuts more
than planned so far, and a step the strengths cannot make yet holds the dose), never go back up,
and pauses hold a dose for one more interval. Methadone, buprenorphine, transdermal fentanyl,
non-oral forms, opioid use disorder and pregnancy are refused with the reason: those tapers need
a clinician's plan, not a generated schedule.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from painpath.kit.clock import EARLIEST_DATE, LATEST_DATE
from painpath.opioids.dosage import exact
from painpath.opioids.inputs import Route
from painpath.opioids.knowledge import FactorTableName, factor_table, load_knowledge
from painpath.opioids.mme import display

MAX_STEPS = 120


#: The largest dose, in mg (a day, or of one tablet) a taper request may name.
MAX_MG = 100_000


class TaperRefused(ValueError):
    """Tapering this medication should not be automated; the message says why and what to do."""


class TaperRequest(BaseModel):
    """What a taper plan starts from."""

    # Bounded inputs keep the plan's arithmetic finite: a dose above 100 g a day, a start
    # outside 1900-2199 or a step under 0.1 % is not a prescription.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    ingredient: Annotated[str, Field(min_length=1)]
    daily_dose_mg: Annotated[float, Field(gt=0, le=MAX_MG)]
    start: Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
    long_term: bool = True  # a year or more of use: monthly steps; otherwise weekly
    step_percent: Annotated[float, Field(ge=0.1, le=50)] = 10
    strengths_mg: tuple[Annotated[float, Field(gt=0, le=MAX_MG)], ...] | None = None
    pause_after_steps: tuple[Annotated[int, Field(gt=0, le=1000)], ...] = ()
    goal_daily_mg: Annotated[float, Field(ge=0, le=MAX_MG)] = 0
    route: Route = Route.oral
    opioid_use_disorder: bool = False
    pregnant: bool = False
    factors: FactorTableName = FactorTableName.cdc2022


@dataclass(frozen=True, slots=True)
class TaperStep:
    number: int
    start: date
    end: date | None  # None: the last step continues
    daily_dose_mg: Decimal
    mme_per_day: Decimal | None
    action: str  # "reduce", "hold" (a pause, or no smaller dose possible yet), "stop", "goal"

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "daily_dose_mg": display(self.daily_dose_mg),
            "mme_per_day": display(self.mme_per_day),
            "action": self.action,
        }

    def sentence(self) -> str:
        """The step as a patient reads it."""
        when = f"From {self.start:%d %b %Y}" + (f" to {self.end:%d %b %Y}" if self.end else " on")
        if self.action == "stop":
            return f"{when}: stop taking it."
        mme = f" (about {display(self.mme_per_day, 1):g} MME)" if self.mme_per_day else ""
        dose = f"{display(self.daily_dose_mg, 2):g} mg a day{mme}"
        hold = ", no change this time" if self.action == "hold" else ""
        return f"{when}: {dose}{hold}."


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

    def as_json(self) -> dict[str, Any]:
        return {
            "ingredient": self.ingredient,
            "original_daily_mg": display(self.original_daily_mg),
            "reduction_mg_per_step": display(self.step_mg),
            "interval": self.interval,
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


def _round_up_to(amount: Decimal, granularity: Decimal) -> Decimal:
    """Up to what the strengths can make, so no step cuts more than planned so far."""
    return (amount / granularity).quantize(Decimal(1), rounding=ROUND_CEILING) * granularity


def plan_taper(request: TaperRequest) -> TaperPlan:
    """A dated schedule from `request.start`; raises `TaperRefused` when a clinician must plan."""
    data = load_knowledge("taper.json")
    ingredient = request.ingredient.strip().lower()
    reason = _refusal(request, ingredient, data["refer_instead"])
    if reason:
        raise TaperRefused(f"{ingredient}: {reason}")
    strengths = request.strengths_mg or tuple(
        float(s) for s in data["strengths_mg"].get(ingredient, ())
    )
    if not strengths:
        raise TaperRefused(f"{ingredient}: no tablet strengths known; give them with strengths_mg")
    granularity = min(exact(s) for s in strengths)
    original, goal = exact(request.daily_dose_mg), exact(request.goal_daily_mg)
    step = original * exact(request.step_percent) / 100
    table = factor_table(request.factors)
    factor = table.oral_mg.get(ingredient)
    interval = "month" if request.long_term else "week"

    def starts(n: int) -> date:
        if request.long_term:
            return add_months(request.start, n)
        return request.start + timedelta(weeks=n)

    doses: list[tuple[Decimal, str]] = []
    current, reductions = original, 0
    while current > goal and len(doses) < MAX_STEPS:
        reductions += 1
        target = max(_round_up_to(original - step * reductions, granularity), goal)
        if target >= current:  # the strengths cannot make a smaller dose yet: stay a while
            doses.append((current, "hold"))
            continue
        current = target
        doses.append((current, "stop" if current == 0 else "goal" if current == goal else "reduce"))
        if reductions in request.pause_after_steps and current > goal:
            doses.append((current, "hold"))
    steps = tuple(
        TaperStep(
            number=n + 1,
            start=starts(n),
            end=None if action in ("stop", "goal") else starts(n + 1) - timedelta(days=1),
            daily_dose_mg=dose,
            mme_per_day=dose * factor if factor is not None and dose else None,
            action=action,
        )
        for n, (dose, action) in enumerate(doses)
    )
    return TaperPlan(
        ingredient=ingredient,
        original_daily_mg=original,
        step_mg=step,
        interval=interval,
        steps=steps,
        source=data["source"],
        url=data["url"],
        factors=table.name,
    )
