"""PDC and MPR (PQA method), dose-taking adherence, PRN use above the maximum and early refills.

The PDC cases marked "PQA" use the claim sets of PQA's public PDC test data
(pqaalliance.org/assets/Measures/pdc-dr.js: metformin/glipizide, measurement year 2018), where
PQA lists each fill's first and last covered day; the totals below were counted by hand from
those dates (docs/alerts.md, "Adherence", shows the arithmetic).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from painpath.monitoring.adherence import (
    DoseLog,
    Fill,
    ScheduledDose,
    dose_adherence,
    early_refills,
    mpr,
    pdc,
    prn_overuse,
)

YEAR = (date(2018, 1, 1), date(2018, 12, 31))


def fill(drug: str, day: str, days_supply: int) -> Fill:
    return Fill(drug, date.fromisoformat(day), days_supply)


def test_pqa_gap_then_an_early_refill_shifted_to_the_end_of_the_year() -> None:
    # PQA: 2018-09-25 starts 2018-10-03, the day after the 2018-07-05 fill runs out.
    fills = [fill("metformin", "2018-03-25", 90), fill("metformin", "2018-07-05", 90),
             fill("metformin", "2018-09-25", 90)]  # fmt: skip
    result = pdc(fills, *YEAR)
    assert result.index_date == date(2018, 3, 25)
    assert result.treatment_days == 282  # 7 days of March + April..December
    assert result.covered_days == 270  # three full 90-day supplies
    assert result.gaps == ((date(2018, 6, 23), date(2018, 7, 4)),)
    assert result.value == pytest.approx(270 / 282)
    assert result.adherent is True


def test_pqa_overlap_shift_and_truncation_at_period_end() -> None:
    # PQA: 03-25 shifts to 04-01..06-29; 10-15 runs to 2019-01-12, cut at 12-31 (78 days).
    fills = [fill("metformin", "2018-01-01", 90), fill("metformin", "2018-03-25", 90),
             fill("metformin", "2018-07-05", 90), fill("metformin", "2018-10-15", 90)]  # fmt: skip
    result = pdc(fills, *YEAR)
    assert result.treatment_days == 365
    assert result.covered_days == 90 + 90 + 90 + 78
    assert result.gaps == (
        (date(2018, 6, 30), date(2018, 7, 4)),
        (date(2018, 10, 3), date(2018, 10, 14)),
    )
    assert result.as_json()["pdc"] == round(348 / 365, 4)


def test_pqa_two_drugs_of_a_class_on_one_date_are_not_eligible() -> None:
    result = pdc([fill("metformin", "2018-01-01", 90), fill("glipizide", "2018-01-01", 90)], *YEAR)
    assert result.eligible is False
    assert result.value is None
    assert result.adherent is None
    assert "at least 2 different dates" in result.reason


def test_pqa_switching_drugs_within_a_class() -> None:
    result = pdc([fill("metformin", "2018-01-01", 90), fill("glipizide", "2018-04-01", 90)], *YEAR)
    assert result.covered_days == 180
    assert result.value == pytest.approx(180 / 365)
    assert result.adherent is False
    assert result.drugs == ("glipizide", "metformin")


Q1 = (date(2026, 1, 1), date(2026, 3, 31))  # 90 days


def test_overlapping_fills_of_different_drugs_are_not_shifted() -> None:
    result = pdc([fill("a", "2026-01-01", 30), fill("b", "2026-01-15", 30)], *Q1)
    assert result.covered_days == 44  # 01-01..02-13: a day counts once if either covers it
    assert result.value == pytest.approx(44 / 90)


def test_overlapping_fills_of_the_same_drug_are_shifted_forward() -> None:
    result = pdc([fill("a", "2026-01-01", 30), fill("a", "2026-01-15", 30)], *Q1)
    assert result.covered_days == 60  # the second supply runs 01-31..03-01
    assert result.gaps == ((date(2026, 3, 2), date(2026, 3, 31)),)


def test_a_single_fill_is_not_eligible_and_fills_outside_the_period_are_ignored() -> None:
    fills = [fill("a", "2025-12-20", 30), fill("a", "2026-01-10", 30), fill("a", "2026-04-01", 30)]
    result = pdc(fills, *Q1)
    assert result.eligible is False
    assert result.index_date == date(2026, 1, 10)
    assert "found 1" in result.reason


def test_supply_past_the_end_is_truncated_so_pdc_never_exceeds_one() -> None:
    result = pdc([fill("a", "2026-03-01", 30), fill("a", "2026-03-25", 30)], date(2026, 3, 1),
                 date(2026, 3, 31))  # fmt: skip
    assert (result.covered_days, result.treatment_days, result.value) == (31, 31, 1.0)


def test_a_lower_threshold_changes_the_verdict_not_the_value() -> None:
    fills = [fill("a", "2026-01-01", 30), fill("a", "2026-02-05", 30)]
    strict, lenient = pdc(fills, *Q1), pdc(fills, *Q1, threshold=0.6)
    assert strict.value == lenient.value == pytest.approx(60 / 90)
    assert (strict.adherent, lenient.adherent) == (False, True)


def test_mpr_double_counts_overlaps_and_is_capped_for_reporting() -> None:
    result = mpr([fill("a", "2026-01-01", 30), fill("a", "2026-01-15", 30)], date(2026, 1, 1),
                 date(2026, 1, 31))  # fmt: skip
    assert result.days_supply == 60
    assert result.period_days == 31
    assert result.raw == pytest.approx(60 / 31)
    assert result.capped == 1.0
    assert result.as_json()["mpr_raw"] == round(60 / 31, 4)


def test_mpr_below_one() -> None:
    result = mpr([fill("a", "2026-01-01", 30), fill("b", "2026-01-15", 30)], *Q1)
    assert result.raw == pytest.approx(60 / 90)
    assert result.capped == result.raw


def test_periods_ending_before_they_start_and_empty_supplies_are_refused() -> None:
    with pytest.raises(ValueError, match="before its start"):
        pdc([], date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(ValueError, match="days_supply must be at least 1"):
        Fill("a", date(2026, 1, 1), 0)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute)


def test_dose_adherence_counts_taken_on_time_and_complete_days() -> None:
    schedule = [ScheduledDose("naproxen", at(d, h)) for d in (1, 2, 3) for h in (8, 20)]
    logs = [
        DoseLog("naproxen", at(1, 8), at(1, 8, 10)),
        DoseLog("naproxen", at(1, 20), at(1, 20)),
        DoseLog("naproxen", at(2, 8), at(2, 9, 30)),  # 90 minutes late
        DoseLog("naproxen", at(2, 20), at(2, 20, 5), taken=False),  # logged as skipped
        DoseLog("naproxen", at(3, 8), at(3, 8, 20)),
        DoseLog("naproxen", at(3, 8), at(3, 7, 30)),  # the same dose twice: counted once
        DoseLog("naproxen", at(3, 12), at(3, 12)),  # not on the schedule
    ]
    result = dose_adherence(schedule, logs, timedelta(minutes=60))
    assert (result.scheduled, result.taken, result.taken_on_time) == (6, 4, 3)
    assert (result.days, result.days_all_taken) == (3, 1)
    assert result.taken_share == pytest.approx(4 / 6)
    assert result.on_time_share == pytest.approx(0.5)
    assert result.daily_coverage == pytest.approx(1 / 3)
    wider = dose_adherence(schedule, logs, timedelta(minutes=90))
    assert wider.taken_on_time == 4  # 90 minutes late is inside a 90-minute window


def test_dose_adherence_without_a_schedule_has_no_ratios() -> None:
    result = dose_adherence([], [], timedelta(minutes=30))
    assert (result.taken_share, result.on_time_share, result.daily_coverage) == (None, None, None)


def test_prn_overuse_lists_days_above_the_prescribed_maximum() -> None:
    doses = {date(2026, 5, 1): 3, date(2026, 5, 2): 4, date(2026, 5, 3): 5, date(2026, 5, 4): 8}
    result = prn_overuse(4, doses)
    assert [(d.day.day, d.doses) for d in result.days_over] == [(3, 5), (4, 8)]
    assert prn_overuse(8, doses).days_over == ()


@pytest.mark.parametrize(
    ("elapsed", "threshold", "early"),
    [(25, 0.85, True), (26, 0.85, False), (23, 0.8, True), (24, 0.8, False), (22, 0.75, True),
     (23, 0.75, False)],
)  # fmt: skip
def test_early_refill_threshold_on_a_30_day_supply(
    elapsed: int, threshold: float, early: bool
) -> None:
    first = date(2026, 1, 1)
    fills = [Fill("oxycodone", first, 30), Fill("oxycodone", first + timedelta(days=elapsed), 30)]
    found = early_refills(fills, threshold=threshold)
    assert bool(found) is early
    if early:
        assert found[0].days_elapsed == elapsed
        assert found[0].previous_days_supply == 30


def test_early_refills_compare_each_fill_with_the_previous_fill_of_the_same_drug() -> None:
    fills = [fill("oxycodone", "2026-01-01", 30), fill("tramadol", "2026-01-10", 30),
             fill("oxycodone", "2026-01-26", 30), fill("oxycodone", "2026-02-21", 30)]  # fmt: skip
    found = early_refills(fills)  # default 85 %
    assert [(e.drug, e.refill.isoformat()) for e in found] == [("oxycodone", "2026-01-26")]
    assert found[0].as_json()["share_elapsed"] == round(25 / 30, 4)


def test_early_refill_threshold_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="threshold must be in"):
        early_refills([], threshold=85)
