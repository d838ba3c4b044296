"""Recs 2, 7 and 12 with their own 2022 facts, and an unknown age (the scenario-suite gaps)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from painpath.opioids import AssessmentInput
from tests.opioids.helpers import med, oral, run

CHRONIC = {"days_supply": 30}


def test_rec7_uses_its_own_regular_use_test_not_long_term_therapy() -> None:
    order = oral("morphine", 15, 2, **CHRONIC)
    due = {"last_benefit_risk_review_date": None}
    # a 30-day order alone is long-term therapy (rec 10) but not regular use (rec 7)
    alone = run(order, opioid_days_last_10_days=0, opioid_days_last_3_months=(0, 0, 0), **due)
    assert "BENEFIT_RISK_REVIEW_DUE" not in alone.codes
    seven = run(order, opioid_days_last_10_days=7, office_visit_last_12_months=True, **due).alert(
        "BENEFIT_RISK_REVIEW_DUE"
    )
    assert seven is not None
    assert seven.medication_indexes == (0,)
    assert "7 of the last 10 days" in seven.facts["opioid_use"]
    no_visit = run(order, opioid_days_last_10_days=7, office_visit_last_12_months=None, **due)
    assert "BENEFIT_RISK_REVIEW_DUE" not in no_visit.codes
    six = run(order, opioid_days_last_10_days=6, office_visit_last_12_months=True, **due)
    assert "BENEFIT_RISK_REVIEW_DUE" not in six.codes
    months = run(order, opioid_days_last_3_months=(21, 30, 21), **due)
    assert "BENEFIT_RISK_REVIEW_DUE" in months.codes
    gap = run(order, opioid_days_last_3_months=(20, 30, 30), **due)
    assert "BENEFIT_RISK_REVIEW_DUE" not in gap.codes
    reviewed = run(order, opioid_days_last_3_months=(30, 30, 30))
    assert "BENEFIT_RISK_REVIEW_DUE" not in reviewed.codes


def test_rec7_needs_an_opioid_not_known_to_be_acute() -> None:
    regular = {"opioid_days_last_3_months": (30, 30, 30), "last_benefit_risk_review_date": None}
    assert "BENEFIT_RISK_REVIEW_DUE" not in run(**regular).codes
    acute = run(oral("oxycodone", 5, 4, days_supply=5), **regular)
    assert "BENEFIT_RISK_REVIEW_DUE" not in acute.codes


def test_rec7_day_counts_are_validated() -> None:
    for bad in ({"opioid_days_last_10_days": 11}, {"opioid_days_last_3_months": (31, 0, 0)}):
        with pytest.raises(ValidationError):
            AssessmentInput.model_validate({"patient": {"age": 40, **bad}})


def test_rec2_maximize_nonopioid_for_an_opioid_naive_chronic_order_without_a_plan() -> None:
    order = oral("oxycodone", 5, 2, **CHRONIC)
    alert = run(order, opioid_naive=True).alert("NONOPIOID_MAXIMIZE_CHRONIC")
    assert alert is not None
    assert alert.medication_indexes == (0,)
    assert alert.source.recommendation == "Recommendation 2"
    assert alert.facts["lookback_days"] == 90
    for fact in ("last_pain_treatment_plan_date", "last_pain_management_procedure_date"):
        assert (
            "NONOPIOID_MAXIMIZE_CHRONIC"
            not in run(order, opioid_naive=True, **{fact: "2026-09-01"}).codes
        )
        stale = run(order, opioid_naive=True, **{fact: "2026-08-01"})
        assert "NONOPIOID_MAXIMIZE_CHRONIC" in stale.codes


def test_rec2_stays_quiet_for_acute_unknown_duration_or_non_naive() -> None:
    assert "NONOPIOID_MAXIMIZE_CHRONIC" not in run(oral("oxycodone", 5, 2, **CHRONIC)).codes
    unknown = run(oral("oxycodone", 5, 2, **CHRONIC), opioid_naive=None)
    assert "NONOPIOID_MAXIMIZE_CHRONIC" not in unknown.codes
    acute = run(oral("oxycodone", 5, 2, days_supply=5), opioid_naive=True)
    assert "NONOPIOID_MAXIMIZE_CHRONIC" not in acute.codes
    no_supply = run(oral("oxycodone", 5, 2), opioid_naive=True)
    assert "NONOPIOID_MAXIMIZE_CHRONIC" not in no_supply.codes
    stated = run(oral("oxycodone", 5, 2, pain_duration="subacute"), opioid_naive=True)
    assert "NONOPIOID_MAXIMIZE_CHRONIC" in stated.codes


def test_rec12_recent_oud_without_a_recent_moud_prescription() -> None:
    order = oral("oxycodone", 5, 2)
    oud = {"opioid_use_disorder": True}
    assert (
        "OUD_OFFER_MOUD" in run(order, **oud, opioid_use_disorder_recorded_date="2026-10-01").codes
    )
    old = run(order, **oud, opioid_use_disorder_recorded_date="2026-06-01")
    assert "OUD_OFFER_MOUD" not in old.codes
    treated = run(order, **oud, last_moud_rx_date="2026-10-01")
    assert "OUD_OFFER_MOUD" not in treated.codes
    lapsed = run(order, **oud, last_moud_rx_date="2026-06-01").alert("OUD_OFFER_MOUD")
    assert lapsed is not None
    assert lapsed.facts["last_moud_rx_date"] == "2026-06-01"
    for_oud = med("methadone", days_supply=30, indication="opioid_use_disorder")
    assert "OUD_OFFER_MOUD" not in run(for_oud, **oud).codes


def test_unknown_age_is_not_checked_and_noted_and_the_rules_still_run() -> None:
    result = run(oral("oxycodone", 30, 4), age=None)
    assert not result.exclusion_reasons
    assert "MME_GE_90" in result.codes
    assert any("under-18" in note for note in result.notes)
    assert result.as_json()["notes"] == list(result.notes)
    assert not run(oral("oxycodone", 30, 4)).notes
    assert run(oral("oxycodone", 30, 4), age=16).exclusion_reasons == ("under 18",)
    with pytest.raises(ValidationError):
        AssessmentInput.model_validate({"patient": {}})
