"""The tail of an HHS 2019 taper: no step cuts more than the set share of the dose taken, the
smallest dose is then taken less and less often, and every plan is bounded."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from painpath.opioids import TaperPlan, TaperRequest, TaperStep, plan_taper
from painpath.opioids.taper import MAX_STEPS

TAPER = json.loads(
    resources.files("painpath.opioids").joinpath("knowledge", "taper.json").read_text("utf-8")
)
SUPPORTED = sorted(TAPER["strengths_mg"])
PACES = {"monthly": True, "weekly": False}


def plan(**fields: Any) -> TaperPlan:
    return plan_taper(TaperRequest.model_validate({"start": "2026-12-01", **fields}))


def starting_doses(ingredient: str) -> list[float]:
    """A spread of daily doses a patient might start from: 1 to 16 of the smallest tablet, and
    1 to 6 of every tablet that whole numbers of the smallest one make up."""
    strengths = [Decimal(s) for s in TAPER["strengths_mg"][ingredient]]
    smallest = min(strengths)
    doses = {smallest * n for n in range(1, 17)}
    doses |= {s * n for s in strengths if s % smallest == 0 for n in range(1, 7)}
    return sorted(float(dose) for dose in doses)


def assert_tail_is_gradual(steps: tuple[TaperStep, ...], original: float, cap: Decimal) -> None:
    previous = Decimal(str(original))
    less_than_daily = False
    earlier: TaperStep | None = None
    for step in steps:
        if step.action in ("reduce", "goal"):
            cut = previous - step.daily_dose_mg
            assert 0 < cut <= previous * cap, (step, previous)
        elif step.action == "hold":
            assert step.daily_dose_mg == previous
        elif step.action == "lengthen":
            # the dose taken each time is the smallest strength; only the interval grows
            assert step.dose_mg is not None
            assert step.every_hours is not None
            assert step.daily_dose_mg == step.dose_mg * 24 / step.every_hours
            assert step.daily_dose_mg < previous
            if earlier is not None and earlier.action == "lengthen":
                assert step.dose_mg == earlier.dose_mg
                assert earlier.every_hours is not None
                assert step.every_hours > earlier.every_hours
            less_than_daily = step.every_hours > 24
        else:
            assert step.action == "stop"
            # the only cut larger than the share: stopping the smallest dose taken less than daily
            assert less_than_daily, "stopped from a dose taken daily or more often"
        previous, earlier = step.daily_dose_mg, step


@pytest.mark.parametrize("pace", PACES)
@pytest.mark.parametrize("ingredient", SUPPORTED)
def test_finding_3_taper_tail_never_cuts_more_than_share_of_current_dose(
    ingredient: str, pace: str
) -> None:
    """Issue 9, finding 3. HHS Guide for Clinicians on the Appropriate Dosage Reduction or
    Discontinuation of Long-Term Opioid Analgesics (Oct 2019): slow the taper as the dose gets
    lower (about 10 % of the remaining dose once about 30 % of the original is reached), avoid
    large sudden reductions, and "once the smallest available dose is reached, the interval
    between doses can be extended"; opioids "may be stopped when taken less frequently than once
    a day". Before the fix tramadol 100 mg/day weekly went 100 -> 50 -> 0 and oxycodone 30 mg/day
    monthly ended 10 -> 5 -> 0."""
    cap = Decimal(TAPER["max_cut_percent_of_current"]) / 100
    for daily in starting_doses(ingredient):
        result = plan(ingredient=ingredient, daily_dose_mg=daily, long_term=PACES[pace])
        assert result.complete, (daily, result.notes)
        assert 0 < len(result.steps) <= MAX_STEPS
        assert result.steps[-1].action == "stop"
        assert_tail_is_gradual(result.steps, daily, cap)


def test_finding_3_the_reviewed_tails_now_lengthen_the_interval_before_stopping() -> None:
    """Issue 9, finding 3 (HHS 2019 dosage reduction guide, Oct 2019): the two tails the review
    quoted. Tramadol 100 mg/day (50 mg twice a day, the smallest tablet) lengthens the interval;
    oxycodone 30 mg/day goes no faster than a quarter of the dose per step down to 15 mg a day."""
    tramadol = plan(ingredient="tramadol", daily_dose_mg=100, long_term=False)
    assert [(float(s.daily_dose_mg), s.every_hours) for s in tramadol.steps] == [
        (50, 24), (25, 48), (0, None)
    ]  # fmt: skip
    oxycodone = plan(ingredient="oxycodone", daily_dose_mg=30)
    assert [float(s.daily_dose_mg) for s in oxycodone.steps] == [
        30, 25, 25, 20, 15, 10, 5, 2.5, 0
    ]  # fmt: skip
    assert [s.every_hours for s in oxycodone.steps][-4:] == [12, 24, 48, None]


def test_a_smaller_strength_makes_the_tail_gentler() -> None:
    coarse = plan(ingredient="oxycodone", daily_dose_mg=30)
    fine = plan(ingredient="oxycodone", daily_dose_mg=30, strengths_mg=[1])
    first_lengthening = {
        name: next(float(s.daily_dose_mg) for s in p.steps if s.action == "lengthen")
        for name, p in (("coarse", coarse), ("fine", fine))
    }
    assert first_lengthening == {"coarse": 10, "fine": 2}


def test_a_dose_the_smallest_tablet_cannot_make_up_says_so_instead_of_cutting_more() -> None:
    result = plan(ingredient="tapentadol", daily_dose_mg=75)  # one 75 mg tablet; 50 mg is smallest
    assert not result.complete
    assert [s.action for s in result.steps] == []
    assert "give a smaller strength" in result.notes[0]


def test_a_share_the_strengths_cannot_keep_says_so_instead_of_cutting_more() -> None:
    result = plan(ingredient="oxycodone", daily_dose_mg=60, max_cut_percent=10)
    assert not result.complete
    assert result.steps[-1].daily_dose_mg == 45  # 45 -> 40 would cut 11 %
    assert "give a smaller strength" in result.notes[0]
    assert result.as_json()["complete"] is False


def test_a_plan_too_long_for_the_step_limit_is_cut_short_and_says_so() -> None:
    result = plan(ingredient="oxycodone", daily_dose_mg=1000, strengths_mg=[0.5])
    assert len(result.steps) == MAX_STEPS
    assert not result.complete
    assert result.steps[-1].end is not None  # no open-ended last step
    assert f"more than {MAX_STEPS} steps" in result.notes[-1]


@pytest.mark.parametrize(
    "fields",
    [
        {"daily_dose_mg": 1e12},
        {"goal_daily_mg": 1e12},
        {"strengths_mg": [0.0001]},
        {"strengths_mg": [5] * 21},
        {"pause_after_steps": list(range(1, MAX_STEPS + 2))},
        {"pause_after_steps": [MAX_STEPS + 1]},
        {"max_cut_percent": 60},
    ],
)
def test_out_of_bounds_requests_are_refused_naming_the_field(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as error:
        plan(**{"ingredient": "oxycodone", "daily_dose_mg": 60, **fields})
    assert next(iter(fields)) in str(error.value)


def test_goal_doses_respect_the_share_too() -> None:
    result = plan(ingredient="oxycodone", daily_dose_mg=100, strengths_mg=[5], goal_daily_mg=20)
    assert result.steps[-1].action == "goal"
    assert result.steps[-1].daily_dose_mg == 20
    assert_tail_is_gradual(result.steps, 100, Decimal("0.25"))
    assert result.complete
    assert result.steps[-1].end is None
