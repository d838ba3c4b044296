"""HHS 2019 taper schedules and the Opioid Risk Tool."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from painpath.opioids import TaperRefused, TaperRequest, opioid_risk_tool, ort_items, plan_taper


def taper(**fields: Any) -> list[tuple[date, float, str]]:
    request = TaperRequest.model_validate(
        {"ingredient": "oxycodone", "daily_dose_mg": 60, "start": "2026-12-01", **fields}
    )
    return [(s.start, float(s.daily_dose_mg), s.action) for s in plan_taper(request).steps]


def test_long_term_use_tapers_10_percent_of_the_original_dose_each_month_down_to_30_percent() -> (
    None
):
    steps = taper(daily_dose_mg=100, strengths_mg=[5])
    assert [dose for _, dose, _ in steps][:7] == [90, 80, 70, 60, 50, 40, 30]
    assert [day for day, _, _ in steps][:3] == [
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    # below 30 % of the original dose, 10 % of the remaining dose: 30 -> 27 -> 24.3 -> ...
    assert [(dose, action) for _, dose, action in steps][7:9] == [(30, "hold"), (25, "reduce")]
    assert steps[-1][2] == "stop"


def test_shorter_term_use_tapers_weekly() -> None:
    steps = taper(daily_dose_mg=100, strengths_mg=[5], long_term=False)
    assert [day for day, _, _ in steps][:3] == [
        date(2026, 12, 1),
        date(2026, 12, 8),
        date(2026, 12, 15),
    ]


def test_doses_round_up_to_available_strengths_and_never_rise() -> None:
    request = TaperRequest(ingredient="oxycodone", daily_dose_mg=60, start=date(2026, 12, 1))
    steps = plan_taper(request).steps
    reductions = [float(s.daily_dose_mg) for s in steps if s.action in ("reduce", "hold")]
    assert all(dose % 5 == 0 for dose in reductions)
    daily = [float(s.daily_dose_mg) for s in steps]
    assert all(later <= earlier for earlier, later in itertools.pairwise(daily))
    assert daily[0] == 55  # 54 rounded up: no step cuts more than planned
    assert daily[-1] == 0


def test_when_tablets_cannot_make_the_next_step_the_dose_holds_until_they_can() -> None:
    # morphine 60 mg/day with 15 mg tablets: 6 mg a month cannot be made; the dose holds until
    # the planned 10 %-a-month path reaches the next 15 mg; 45 -> 30 would cut a third at once,
    # so from 45 mg (15 mg three times a day) the time between doses lengthens instead
    request = TaperRequest(ingredient="morphine", daily_dose_mg=60, start=date(2026, 12, 1))
    steps = plan_taper(request).steps
    assert [(float(s.daily_dose_mg), s.action, s.every_hours) for s in steps] == [
        (60, "hold", None), (60, "hold", None), (45, "reduce", None),
        (30, "lengthen", 12), (15, "lengthen", 24), (7.5, "lengthen", 48), (0, "stop", None),
    ]  # fmt: skip


def test_a_pause_holds_the_dose_for_one_more_interval() -> None:
    steps = taper(daily_dose_mg=100, strengths_mg=[5], pause_after_steps=[2])
    assert [(dose, action) for _, dose, action in steps[:4]] == [
        (90, "reduce"), (80, "reduce"), (80, "hold"), (70, "reduce")
    ]  # fmt: skip


def test_a_goal_dose_ends_the_taper_there() -> None:
    steps = taper(daily_dose_mg=100, strengths_mg=[5], goal_daily_mg=50)
    assert steps[-1][1:] == (50, "goal")


def test_the_schedule_reads_like_instructions_with_mme() -> None:
    request = TaperRequest(ingredient="morphine", daily_dose_mg=60, start=date(2026, 12, 1))
    plan = plan_taper(request)
    assert plan.schedule()[2] == "From 01 Feb 2027 to 28 Feb 2027: 45 mg a day (about 45 MME)."
    assert plan.schedule()[3] == (
        "From 01 Mar 2027 to 31 Mar 2027: 15 mg every 12 hours, no more often "
        "(30 mg a day, about 30 MME)."
    )
    assert plan.schedule()[5] == (
        "From 01 May 2027 to 31 May 2027: 15 mg every other day, no more often "
        "(on average 7.5 mg a day, about 7.5 MME)."
    )
    assert plan.schedule()[-1] == "From 01 Jun 2027 on: stop taking it."
    assert plan.as_json()["source"]["url"].startswith("https://www.hhs.gov/")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"ingredient": "methadone"}, "methadone"),
        ({"ingredient": "buprenorphine"}, "buprenorphine"),
        ({"ingredient": "fentanyl"}, "patch"),
        ({"opioid_use_disorder": True}, "medication for OUD"),
        ({"pregnant": True}, "pregnancy"),
        ({"route": "parenteral"}, "oral"),
        ({"goal_daily_mg": 80}, "not below"),
        ({"ingredient": "levorphanol"}, "strengths"),
    ],
)
def test_tapers_a_clinician_must_plan_are_refused_with_the_reason(
    fields: dict[str, Any], reason: str
) -> None:
    with pytest.raises(TaperRefused, match=reason):
        taper(**fields)


def test_opioid_risk_tool_scores_by_sex() -> None:
    answers = {"family_alcohol": True, "preadolescent_sexual_abuse": True, "age_16_to_45": True}
    assert opioid_risk_tool("female", answers).score == 1 + 3 + 1
    assert opioid_risk_tool("male", answers).score == 3 + 0 + 1


@pytest.mark.parametrize(
    ("items", "band"), [(0, "low"), (3, "low"), (4, "moderate"), (7, "moderate"), (8, "high")]
)
def test_opioid_risk_tool_bands(items: int, band: str) -> None:
    # family prescription drugs (4) + personal alcohol (3) + age (1) build each score
    combos = {
        0: {},
        3: {"personal_alcohol": True},
        4: {"family_prescription_drugs": True},
        7: {"family_prescription_drugs": True, "personal_alcohol": True},
        8: {"family_prescription_drugs": True, "personal_alcohol": True, "age_16_to_45": True},
    }
    result = opioid_risk_tool("male", combos[items])
    assert (result.score, result.band) == (items, band)


def test_opioid_risk_tool_maximum_scores() -> None:
    everything = dict.fromkeys(ort_items(), True)
    assert opioid_risk_tool("female", everything).score == 26
    assert opioid_risk_tool("male", everything).score == 26


def test_opioid_risk_tool_refuses_unknown_items() -> None:
    with pytest.raises(ValueError, match="unknown"):
        opioid_risk_tool("female", {"smoking": True})
