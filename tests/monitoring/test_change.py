"""IMMPACT change thresholds (Dworkin et al., J Pain 2008): 30 % moderate, 50 % substantial,
2 points on a 0-10 pain rating (Farrar et al., Pain 2001); worsening as well as improvement."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from painpath.monitoring.change import immpact_change, immpact_series


@pytest.mark.parametrize(
    ("baseline", "current", "category", "direction", "percent"),
    [
        (10, 7, "moderate", "improved", -30.0),  # exactly 30 %: moderate (Farrar 2001)
        (10, 8.1, "below_threshold", "improved", -19.0),
        (10, 5, "substantial", "improved", -50.0),
        (8, 6, "moderate", "improved", -25.0),  # 25 %, but 2 points on the NRS
        (8, 6.5, "below_threshold", "improved", -18.8),
        (4, 6, "substantial", "worsened", 50.0),  # worsening uses the same thresholds
        (6, 7.5, "below_threshold", "worsened", 25.0),
        (6, 6, "below_threshold", "unchanged", 0.0),
    ],
)
def test_nrs_change_categories(
    baseline: float, current: float, category: str, direction: str, percent: float
) -> None:
    change = immpact_change(baseline, current, instrument="nrs")
    assert change.category == category
    assert change.direction == direction
    assert change.percent_change == percent
    assert change.absolute_change == round(current - baseline, 2)


def test_the_2_point_rule_is_only_for_0_to_10_pain_ratings() -> None:
    assert immpact_change(10, 7.1, instrument="nrs").category == "moderate"  # 2.9 points
    assert immpact_change(10, 7.1, instrument="phq-9").category == "below_threshold"  # 29 %
    assert immpact_change(8, 6, instrument="peg").category == "below_threshold"
    assert immpact_change(8, 6, instrument="bpi-sf").category == "moderate"


def test_odi_10_points_is_moderately_important() -> None:
    """Ostelo et al., Spine 2008: about 10 points on the ODI."""
    change = immpact_change(40, 30, instrument="odi")
    assert (change.category, change.percent_change) == ("moderate", -25.0)
    assert immpact_change(40, 32, instrument="odi").category == "below_threshold"


def test_a_zero_baseline_has_no_percentage() -> None:
    change = immpact_change(0, 3, instrument="nrs")
    assert change.percent_change is None
    assert (change.category, change.direction) == ("moderate", "worsened")
    assert immpact_change(0, 3, instrument="phq-9").category == "not_computable"


def test_higher_is_better_scales_flip_the_direction() -> None:
    assert immpact_change(40, 60, instrument="x", higher_is_worse=False).direction == "improved"


def test_negative_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        immpact_change(-1, 3)


def daily(start: date, values: list[float]) -> list[tuple[date, float]]:
    return [(start + timedelta(days=i), value) for i, value in enumerate(values)]


MONDAY = date(2026, 11, 2)


def test_series_uses_the_first_valid_week_as_baseline_and_weekly_means() -> None:
    entries = (
        daily(MONDAY, [8, 8, 7, 7, 8, 8, 7])  # mean 7.57, valid
        + daily(MONDAY + timedelta(days=7), [5, 5, 4])  # 3 entries: not a valid week
        + daily(MONDAY + timedelta(days=14), [5, 5, 5, 5, 6])  # mean 5.2: -31.3 %
        + daily(MONDAY + timedelta(days=21), [3, 4, 4, 3])  # mean 3.5: -53.8 %
    )
    series = immpact_series(entries, instrument="nrs")
    assert series.baseline == 7.57
    assert series.baseline_week == MONDAY
    assert [w.mean for w in series.weeks] == [7.57, 4.67, 5.2, 3.5]
    assert [w.valid for w in series.weeks] == [True, False, True, True]
    assert [w.change is None for w in series.weeks] == [True, True, False, False]
    third, fourth = series.weeks[2].change, series.weeks[3].change
    assert third is not None
    assert fourth is not None
    assert (third.percent_change, third.category) == (-31.3, "moderate")
    assert (fourth.percent_change, fourth.category) == (-53.8, "substantial")
    assert series.latest() is series.weeks[3]


def test_series_with_a_given_baseline_compares_every_valid_week() -> None:
    entries = daily(MONDAY, [9, 9, 9, 9]) + daily(MONDAY + timedelta(days=7), [6, 6, 6, 6])
    series = immpact_series(entries, instrument="nrs", baseline=6.0)
    changes = [w.change for w in series.weeks]
    assert changes[0] is not None
    assert changes[0].direction == "worsened"
    assert changes[0].category == "substantial"
    assert changes[1] is not None
    assert changes[1].direction == "unchanged"
    assert series.baseline_week is None


def test_series_weeks_start_on_monday_and_accept_datetimes() -> None:
    sunday = datetime(2026, 11, 8, 21, 0)
    series = immpact_series([(sunday, 5.0)], min_entries_per_week=1)
    assert series.weeks[0].week_start == MONDAY


def test_the_minimum_entries_per_week_is_configurable() -> None:
    entries = daily(MONDAY, [8, 8]) + daily(MONDAY + timedelta(days=7), [4, 4])
    assert immpact_series(entries).baseline is None
    series = immpact_series(entries, min_entries_per_week=2)
    latest = series.latest()
    assert latest is not None
    assert latest.change is not None
    assert latest.change.category == "substantial"
    assert series.as_json()["weeks"][1]["change"]["percent_change"] == -50.0
    with pytest.raises(ValueError, match="at least 1"):
        immpact_series(entries, min_entries_per_week=0)
