"""Every alert rule firing and not firing at its threshold, and per-patient overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import MappingProxyType

import pytest

from painpath.monitoring.adherence import Fill, pdc
from painpath.monitoring.alerts import (
    PHQ9_ITEM9_FLAG,
    PatientSnapshot,
    PrnUse,
    QuestionnaireResult,
    Severity,
    alert_knowledge,
    evaluate_alerts,
)
from painpath.monitoring.alerts.rules import RULES
from tests.monitoring.alerts.helpers import TODAY, day, only, rule_ids, series


def pain_snapshot(baseline: float, current: float) -> PatientSnapshot:
    """A first week at `baseline`, then `current` over the last 7 days."""
    pain = series("2026-06-01", "2026-06-07", baseline) + series(
        "2026-06-24", "2026-06-30", current
    )
    return PatientSnapshot("p1", pain=pain)


@pytest.mark.parametrize(
    ("baseline", "current", "fires"),
    [
        (7, 9, True),  # +2 points (29 %): the points threshold alone
        (7, 8.9, False),  # +1.9 points, 27 %
        (3, 3.9, True),  # +0.9 points = 30 %: the percent threshold alone
        (3, 3.8, False),  # 27 %
        (5, 5, False),
        (6, 4, False),  # better, not worse
    ],
)
def test_pain_worsening_at_its_thresholds(baseline: float, current: float, fires: bool) -> None:
    alerts = evaluate_alerts(pain_snapshot(baseline, current), TODAY)
    assert ("pain_worsening" in rule_ids(alerts)) is fires


def test_pain_worsening_reports_its_evidence() -> None:
    [alert] = only(evaluate_alerts(pain_snapshot(4, 6), TODAY), "pain_worsening")
    assert alert.severity is Severity.moderate
    assert alert.window_start == day("2026-06-24")
    assert alert.window_end == TODAY
    assert alert.evidence["baseline"] == 4
    assert alert.evidence["mean"] == 6
    assert alert.evidence["baseline_source"] == "mean of 2026-06-01..2026-06-07"
    assert alert.evidence["rise_percent"] == 50.0
    assert alert.evidence["thresholds"]["points"] == 2
    assert "IMMPACT" in alert.evidence["source"]


def test_a_given_baseline_replaces_the_first_week() -> None:
    snapshot = PatientSnapshot("p1", pain=series("2026-06-24", "2026-06-30", 7), pain_baseline=5)
    [alert] = only(evaluate_alerts(snapshot, TODAY), "pain_worsening")
    assert alert.evidence["baseline_source"] == "given"


def test_pain_needs_enough_entries_this_week_and_a_finished_baseline_week() -> None:
    sparse = PatientSnapshot(
        "p1",
        pain=series("2026-06-01", "2026-06-07", 3) + series("2026-06-28", "2026-06-30", 9),
    )
    assert only(evaluate_alerts(sparse, TODAY), "pain_worsening") == []  # 3 of 7 days
    fresh = PatientSnapshot(
        "p1", pain=series("2026-06-20", "2026-06-23", 3) + series("2026-06-24", "2026-06-30", 9)
    )
    assert only(evaluate_alerts(fresh, TODAY), "pain_worsening") == []  # baseline week not over


def test_pain_thresholds_are_overridden_per_patient() -> None:
    snapshot = pain_snapshot(4, 6)
    strict = {"pain_worsening": {"points": 3, "percent": 60}}
    assert only(evaluate_alerts(snapshot, TODAY, overrides=strict), "pain_worsening") == []
    loose = {"pain_worsening": {"points": 1, "percent": 100}}
    snapshot_small = pain_snapshot(4, 5)
    assert only(evaluate_alerts(snapshot_small, TODAY, overrides=loose), "pain_worsening")


def phq9(when: str, flags: tuple[str, ...], response_id: str = "qr-1") -> QuestionnaireResult:
    return QuestionnaireResult("PHQ-9", day(when), score=6, flags=flags, response_id=response_id)


def test_phq9_item9_positive_is_urgent_whatever_the_total() -> None:
    snapshot = PatientSnapshot("p1", questionnaires=(phq9("2026-06-29", (PHQ9_ITEM9_FLAG,)),))
    [alert] = evaluate_alerts(snapshot, TODAY)
    assert alert.rule_id == "phq9_item9"
    assert alert.severity is Severity.urgent
    assert alert.dedup_key == "p1:phq9_item9:qr-1"
    assert alert.evidence["score"] == 6


def test_phq9_without_the_flag_raises_nothing() -> None:
    high_total = QuestionnaireResult("PHQ-9", day("2026-06-29"), score=24, flags=("severe",))
    assert evaluate_alerts(PatientSnapshot("p1", questionnaires=(high_total,)), TODAY) == ()


def test_phq9_look_back_and_its_override() -> None:
    old = PatientSnapshot("p1", questionnaires=(phq9("2026-05-31", (PHQ9_ITEM9_FLAG,)),))
    assert evaluate_alerts(old, TODAY) == ()  # 31 days ago, look-back 30
    longer = {"phq9_item9": {"lookback_days": 31}}
    assert rule_ids(evaluate_alerts(old, TODAY, overrides=longer)) == ["phq9_item9"]


@pytest.mark.parametrize(("this_week", "fires"), [(7000, True), (7001, False), (3000, True)])
def test_activity_drop_week_over_week(this_week: float, fires: bool) -> None:
    steps = series("2026-06-17", "2026-06-23", 10000) + series(
        "2026-06-24", "2026-06-30", this_week
    )
    alerts = evaluate_alerts(PatientSnapshot("p1", steps=steps), TODAY)
    assert (rule_ids(alerts) == ["activity_drop"]) is fires


def test_activity_drop_needs_enough_days_in_both_weeks_and_honours_overrides() -> None:
    steps = series("2026-06-17", "2026-06-23", 10000) + series("2026-06-28", "2026-06-30", 1000)
    assert evaluate_alerts(PatientSnapshot("p1", steps=steps), TODAY) == ()
    allow = {"activity_drop": {"min_days_per_window": 3}}
    assert evaluate_alerts(PatientSnapshot("p1", steps=steps), TODAY, overrides=allow)
    half = series("2026-06-17", "2026-06-23", 10000) + series("2026-06-24", "2026-06-30", 6000)
    stricter = {"activity_drop": {"percent": 50}}
    assert evaluate_alerts(PatientSnapshot("p1", steps=half), TODAY, overrides=stricter) == ()


def adherence_snapshot(covered: int) -> PatientSnapshot:
    """An NSAID class over 100 days from 2026-03-23 with `covered` days of supply."""
    fills = [
        Fill("naproxen", day("2026-03-23"), covered - 10),
        Fill("naproxen", day("2026-03-24"), 10),
    ]
    result = pdc(fills, day("2026-03-23"), day("2026-06-30"))
    assert result.treatment_days == 100
    return PatientSnapshot("p1", adherence=MappingProxyType({"nsaid": result}))


@pytest.mark.parametrize(("covered", "fires"), [(79, True), (80, False), (20, True)])
def test_pdc_below_eighty_percent(covered: int, fires: bool) -> None:
    alerts = evaluate_alerts(adherence_snapshot(covered), TODAY)
    assert (rule_ids(alerts) == ["pdc_low"]) is fires
    if fires:
        assert alerts[0].dedup_key == "p1:pdc_low:nsaid:2026-03-23"
        assert alerts[0].evidence["pdc"] == covered / 100


def test_pdc_threshold_override_and_ineligible_patients() -> None:
    lower = {"pdc_low": {"pdc": 0.75}}
    assert evaluate_alerts(adherence_snapshot(79), TODAY, overrides=lower) == ()
    single = pdc([Fill("naproxen", day("2026-06-01"), 5)], day("2026-03-23"), TODAY)
    ineligible = PatientSnapshot("p1", adherence=MappingProxyType({"nsaid": single}))
    assert evaluate_alerts(ineligible, TODAY) == ()


def prn(doses: dict[str, int], max_per_day: int = 4) -> PatientSnapshot:
    per_day = MappingProxyType({day(d): n for d, n in doses.items()})
    return PatientSnapshot("p1", prn=(PrnUse("oxycodone", max_per_day, per_day),))


@pytest.mark.parametrize(("doses", "fires"), [(5, True), (4, False), (9, True)])
def test_prn_opioid_doses_above_the_prescribed_maximum(doses: int, fires: bool) -> None:
    alerts = evaluate_alerts(prn({"2026-06-28": doses, "2026-06-29": 2}), TODAY)
    assert (rule_ids(alerts) == ["opioid_prn_overuse"]) is fires
    if fires:
        assert alerts[0].severity is Severity.high
        assert alerts[0].evidence["days_over"] == [
            {"day": "2026-06-28", "doses": doses, "max_per_day": 4}
        ]


def test_prn_overuse_overrides_and_look_back() -> None:
    one_day = prn({"2026-06-28": 6})
    assert (
        evaluate_alerts(one_day, TODAY, overrides={"opioid_prn_overuse": {"min_days_over": 2}})
        == ()
    )
    assert evaluate_alerts(prn({"2026-06-23": 6}), TODAY) == ()  # 8 days ago, look-back 7


def refills(second: str) -> PatientSnapshot:
    fills = (Fill("oxycodone", day("2026-06-01"), 30), Fill("oxycodone", day(second), 30))
    return PatientSnapshot("p1", opioid_fills=fills)


@pytest.mark.parametrize(("second", "fires"), [("2026-06-26", True), ("2026-06-27", False)])
def test_early_opioid_refill_at_85_percent(second: str, fires: bool) -> None:
    alerts = evaluate_alerts(refills(second), TODAY)  # 25 of 30 days = 83 %; 26 = 87 %
    assert (rule_ids(alerts) == ["opioid_early_refill"]) is fires
    if fires:
        assert alerts[0].dedup_key == "p1:opioid_early_refill:oxycodone:2026-06-26"


def test_early_refill_override() -> None:
    looser = {"opioid_early_refill": {"share_elapsed": 0.8}}
    assert evaluate_alerts(refills("2026-06-26"), TODAY, overrides=looser) == ()


def test_no_data_for_three_whole_days() -> None:
    three = PatientSnapshot("p1", last_data_at=datetime(2026, 6, 26, 22, 0, tzinfo=UTC))
    [alert] = evaluate_alerts(three, TODAY)  # 27, 28 and 29 June were silent
    assert alert.rule_id == "no_data"
    assert alert.severity is Severity.info
    assert alert.evidence["days_without"] == 3
    assert alert.dedup_key == "p1:no_data:since-2026-06-26"
    two = PatientSnapshot("p1", last_data_at=datetime(2026, 6, 27, 9, 0, tzinfo=UTC))
    assert evaluate_alerts(two, TODAY) == ()
    assert evaluate_alerts(two, TODAY, overrides={"no_data": {"days": 2}})


def test_no_data_counts_days_in_the_patients_time_zone() -> None:
    moment = datetime(2026, 6, 27, 2, 0, tzinfo=UTC)  # 26 June, 22:00 in New York
    assert evaluate_alerts(PatientSnapshot("p1", last_data_at=moment), TODAY) == ()
    new_york = PatientSnapshot("p1", time_zone="America/New_York", last_data_at=moment)
    assert rule_ids(evaluate_alerts(new_york, TODAY)) == ["no_data"]


def test_no_data_since_monitoring_started_and_naive_times_refused() -> None:
    never = PatientSnapshot("p1", monitoring_start=date(2026, 6, 27))
    [alert] = evaluate_alerts(never, TODAY)
    assert "monitoring started" in alert.message
    assert evaluate_alerts(PatientSnapshot("p1"), TODAY) == ()
    with pytest.raises(ValueError, match="time zone"):
        evaluate_alerts(PatientSnapshot("p1", last_data_at=datetime(2026, 6, 1)), TODAY)


def test_alerts_come_most_severe_first() -> None:
    snapshot = PatientSnapshot(
        "p1",
        questionnaires=(phq9("2026-06-29", (PHQ9_ITEM9_FLAG,)),),
        last_data_at=datetime(2026, 6, 20, tzinfo=UTC),
        opioid_fills=refills("2026-06-26").opioid_fills,
    )
    assert rule_ids(evaluate_alerts(snapshot, TODAY)) == [
        "phq9_item9",
        "opioid_early_refill",
        "no_data",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pain": {"points": 1}}, "unknown alert rule 'pain'"),
        ({"pain_worsening": {"point": 1}}, "pain_worsening has no threshold 'point'"),
        ({"pdc_low": {"pdc": -0.1}}, r"pdc_low.pdc must be a number ≥ 0"),
    ],
)
def test_bad_overrides_are_refused_by_name(
    overrides: dict[str, dict[str, float]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate_alerts(PatientSnapshot("p1"), TODAY, overrides=overrides)


def test_every_rule_is_data_with_a_source_and_every_data_rule_has_code() -> None:
    knowledge = alert_knowledge()
    assert set(knowledge.rules) == set(RULES)
    assert knowledge.version
    assert knowledge.retrieved
    for rule in knowledge.rules.values():
        assert rule.title
        assert rule.source
        assert rule.rationale
        assert rule.thresholds
    assert knowledge.rules["phq9_item9"].severity is Severity.urgent
