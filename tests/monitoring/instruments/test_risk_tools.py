"""Opioid Risk Tool (Webster & Webster 2005, sex-weighted) and ORT-OUD (Cheatle et al. 2019)."""

from __future__ import annotations

import pytest

from painpath.monitoring.instruments import InstrumentError, definition, score
from painpath.opioids import opioid_risk_tool, ort_items


def ort_answers(*yes: str) -> dict[str, int]:
    """Every item answered: `yes` items 1, the rest 0."""
    return {item: int(item in yes) for item in ort_items()}


FAMILY_ALCOHOL_PERSONAL_ALCOHOL_AGE = ort_answers(
    "family_alcohol", "personal_alcohol", "age_16_to_45"
)


def test_ort_items_are_the_opioid_engine_items_in_order() -> None:
    assert tuple(item.id for item in definition("ort").items) == ort_items()


@pytest.mark.parametrize(
    ("sex", "total", "band"), [("female", 5, "moderate"), ("male", 7, "moderate")]
)
def test_ort_weights_family_alcohol_by_sex(sex: str, total: int, band: str) -> None:
    """Webster & Webster, Pain Med 2005: family history of alcohol abuse scores 1 for women and
    3 for men; personal alcohol 3; age 16-45 scores 1."""
    result = score("ort", FAMILY_ALCOHOL_PERSONAL_ALCOHOL_AGE, sex=sex)
    assert result.score == total
    assert result.band == band
    assert result.flags == ()


def test_ort_of_8_is_high_risk_and_flagged() -> None:
    answers = {**FAMILY_ALCOHOL_PERSONAL_ALCOHOL_AGE, "depression": 1}
    result = score("ort", answers, sex="male")
    assert (result.score, result.band) == (8, "high")
    assert [f.code for f in result.flags] == ["ort_high_risk"]


def test_ort_preadolescent_sexual_abuse_scores_3_for_women_and_0_for_men() -> None:
    answers = ort_answers("preadolescent_sexual_abuse")
    assert score("ort", answers, sex="female").score == 3
    assert score("ort", answers, sex="male").score == 0


def test_ort_agrees_with_the_opioid_engine_for_every_single_item() -> None:
    for item in ort_items():
        for sex in ("female", "male"):
            expected = opioid_risk_tool(sex, {item: True})
            result = score("ort", ort_answers(item), sex=sex)
            assert (result.score, result.band) == (expected.score, expected.band)


def test_ort_needs_sex() -> None:
    with pytest.raises(InstrumentError, match=r"^ORT needs sex \(female or male\)"):
        score("ort", FAMILY_ALCOHOL_PERSONAL_ALCOHOL_AGE)


def test_ort_mapping_answers_may_leave_no_item_out() -> None:
    with pytest.raises(InstrumentError, match=r"^ORT items family_illegal_drugs, .*: unanswered"):
        score("ort", {"family_alcohol": 1, "personal_alcohol": None}, sex="female")


def test_ort_refuses_2() -> None:
    with pytest.raises(InstrumentError, match=r"^ORT item depression: 2 is outside 0-1$"):
        score("ort", [0, 0, 0, 0, 0, 0, 0, 0, 0, 2], sex="female")


@pytest.mark.parametrize(("yes", "band"), [(0, "low"), (2, "low"), (3, "high"), (9, "high")])
def test_ort_oud_scores_one_per_yes_with_3_or_more_high(yes: int, band: str) -> None:
    """Cheatle et al., J Pain 2019: nine yes/no items, 1 point each, no sex weighting; 0-2 low,
    3 or more high risk of opioid use disorder."""
    answers = [1] * yes + [0] * (9 - yes)
    result = score("ort-oud", answers)
    assert result.score == yes
    assert result.band == band
    assert [f.code for f in result.flags] == (["ort_oud_high_risk"] if band == "high" else [])


def test_ort_oud_has_no_sexual_abuse_item_and_ignores_sex() -> None:
    assert "preadolescent_sexual_abuse" not in {item.id for item in definition("ort-oud").items}
    assert score("ort-oud", [1] * 9, sex="male").score == 9
