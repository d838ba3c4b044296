"""The patient's progress in plain words: windows, averages, totals, rounding and direction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from painpath.monitoring.progress import (
    PAIN,
    PRN_DOSES,
    SLEEP,
    STEPS,
    Trend,
    describe,
    progress_lines,
    windows,
)

TODAY = date(2026, 12, 6)


def days_ago(*pairs: tuple[int, float]) -> dict[date, float]:
    return {TODAY - timedelta(days=back): value for back, value in pairs}


def test_windows_are_thirty_days_each_ending_today() -> None:
    (first, last), (before_first, before_last) = windows(TODAY)
    assert (first, last) == (date(2026, 11, 7), TODAY)
    assert (before_first, before_last) == (date(2026, 10, 8), date(2026, 11, 6))


def test_the_issue_example_reads_as_asked() -> None:
    pain = {**days_ago(*((back, 5.2) for back in range(30))), **days_ago((45, 6.4))}
    line = describe(PAIN, pain, TODAY)
    assert line is not None
    assert line.sentence == (
        "Your average pain over the last 30 days: 5.2 out of 10, down from 6.4 in the 30 days "
        "before."
    )
    assert line.trend is Trend.better
    assert line.days == 30


def test_more_pain_is_worse_and_more_sleep_better() -> None:
    pain = describe(PAIN, days_ago((0, 7), (40, 4)), TODAY)
    sleep = describe(SLEEP, days_ago((0, 7.5), (40, 6)), TODAY)
    assert pain is not None
    assert sleep is not None
    assert pain.sentence.endswith("7.0 out of 10, up from 4.0 in the 30 days before.")
    assert pain.trend is Trend.worse
    assert sleep.sentence.endswith("7.5 hours a night, up from 6.0 in the 30 days before.")
    assert sleep.trend is Trend.better


def test_a_change_hidden_by_rounding_is_about_the_same() -> None:
    line = describe(PAIN, days_ago((0, 5.24), (40, 5.16)), TODAY)
    assert line is not None
    assert line.trend is Trend.same
    assert line.sentence == (
        "Your average pain over the last 30 days: 5.2 out of 10, about the same as in the 30 days "
        "before."
    )


def test_the_window_edges_belong_to_the_right_period() -> None:
    # Day 29 back is the first day of this window, day 30 back the last of the one before.
    line = describe(PAIN, days_ago((29, 2), (30, 8), (59, 6), (60, 0)), TODAY)
    assert line is not None
    assert (line.current, line.previous) == (2, 7)


def test_nothing_this_window_gives_no_line_and_nothing_before_no_comparison() -> None:
    assert describe(PAIN, days_ago((31, 5)), TODAY) is None
    line = describe(PAIN, days_ago((3, 4)), TODAY)
    assert line is not None
    assert line.trend is Trend.new
    assert line.sentence == "Your average pain over the last 30 days: 4.0 out of 10."


def test_steps_are_whole_and_grouped_doses_are_totals() -> None:
    steps = describe(STEPS, days_ago((0, 4000), (1, 4420.6), (35, 5020)), TODAY)
    doses = describe(PRN_DOSES, days_ago((0, 3), (2, 2), (31, 9), (33, 9)), TODAY)
    assert steps is not None
    assert doses is not None
    assert steps.sentence == (
        "Your average steps over the last 30 days: 4,210 steps a day, down from 5,020 in the "
        "30 days before."
    )
    assert steps.trend is Trend.worse
    assert doses.sentence == (
        "As-needed doses you logged over the last 30 days: 5 doses, down from 18 in the 30 days "
        "before."
    )
    assert doses.trend is Trend.better


def test_lines_come_in_a_fixed_order_and_skip_empty_measures() -> None:
    lines = progress_lines(
        {"prn_doses": days_ago((0, 1)), "pain": days_ago((0, 3)), "steps": {}}, TODAY
    )
    assert [line.measure for line in lines] == ["pain", "prn_doses"]


@pytest.mark.parametrize("days", [7, 14])
def test_other_window_lengths_are_worded_with_their_length(days: int) -> None:
    line = describe(PAIN, days_ago((0, 3), (days, 5)), TODAY, days)
    assert line is not None
    assert f"over the last {days} days" in line.sentence
    assert f"down from 5.0 in the {days} days before" in line.sentence
