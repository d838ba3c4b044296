"""De-duplication keys stay the same while an episode lasts and change when a new one starts."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from painpath.monitoring.alerts import AlertCandidate, PatientSnapshot, PrnUse, evaluate_alerts
from tests.monitoring.alerts.helpers import TODAY, day, only, series

TOMORROW = TODAY + timedelta(days=1)


def worsening(through: str) -> PatientSnapshot:
    """Baseline 4 for three weeks, then 7 from 21 June (the rule first holds on 23 June)."""
    pain = series("2026-06-01", "2026-06-20", 4) + series("2026-06-21", through, 7)
    return PatientSnapshot("p1", pain=pain)


def keys(alerts: tuple[AlertCandidate, ...], rule_id: str) -> list[str]:
    return [a.dedup_key for a in only(alerts, rule_id)]


def test_pain_episode_key_is_the_first_day_the_rule_held() -> None:
    assert keys(evaluate_alerts(worsening("2026-06-30"), TODAY), "pain_worsening") == [
        "p1:pain_worsening:2026-06-23"
    ]


def test_re_evaluating_tomorrow_keeps_the_key() -> None:
    today = evaluate_alerts(worsening("2026-06-30"), TODAY)
    tomorrow = evaluate_alerts(worsening("2026-07-01"), TOMORROW)
    assert keys(today, "pain_worsening") == keys(tomorrow, "pain_worsening")
    assert (
        only(today, "pain_worsening")[0].window_end
        != only(tomorrow, "pain_worsening")[0].window_end
    )


def test_the_same_data_evaluated_twice_gives_identical_candidates() -> None:
    snapshot = worsening("2026-06-30")
    assert evaluate_alerts(snapshot, TODAY) == evaluate_alerts(snapshot, TODAY)


def test_a_new_flare_after_recovery_is_a_new_episode() -> None:
    pain = (
        series("2026-06-01", "2026-06-07", 4)
        + series("2026-06-08", "2026-06-14", 7)  # first flare
        + series("2026-06-15", "2026-06-23", 4)  # recovered
        + series("2026-06-24", "2026-06-30", 7)  # second flare
    )
    snapshot = PatientSnapshot("p1", pain=pain)
    # The first flare is judged from 14 June: the first window clear of the baseline week.
    assert keys(evaluate_alerts(snapshot, day("2026-06-14")), "pain_worsening") == [
        "p1:pain_worsening:2026-06-14"
    ]
    assert keys(evaluate_alerts(snapshot, day("2026-06-23")), "pain_worsening") == []
    assert keys(evaluate_alerts(snapshot, TODAY), "pain_worsening") == [
        "p1:pain_worsening:2026-06-26"
    ]


def test_prn_overuse_key_survives_the_next_days() -> None:
    doses = MappingProxyType({day("2026-06-28"): 6})
    snapshot = PatientSnapshot("p1", prn=(PrnUse("oxycodone", 4, doses),))
    found = {
        k
        for offset in range(5)
        for k in keys(
            evaluate_alerts(snapshot, TODAY + timedelta(days=offset)), "opioid_prn_overuse"
        )
    }
    assert found == {"p1:opioid_prn_overuse:oxycodone:2026-06-28"}


def test_keys_name_the_patient() -> None:
    other = PatientSnapshot("p2", pain=worsening("2026-06-30").pain)
    assert keys(evaluate_alerts(other, TODAY), "pain_worsening") == ["p2:pain_worsening:2026-06-23"]
