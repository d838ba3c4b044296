"""Each responder rule against its published definition (the source is in each docstring)."""

from __future__ import annotations

from datetime import date

import pytest

from painpath.care.workflows import OutcomeError, next_due, respond, workflow_knowledge
from painpath.care.workflows.outcomes import asdas_crp, asdas_state, das28


def test_pain_nrs_30_percent_is_moderate_and_50_percent_substantial() -> None:
    """IMMPACT (Dworkin 2008): >= 30 % moderately, >= 50 % substantially important."""
    assert respond("pain_nrs", {"pain": 8}, {"pain": 5.6}).level == "moderate"
    assert respond("pain_nrs", {"pain": 8}, {"pain": 4}).level == "substantial"
    below = respond("pain_nrs", {"pain": 8}, {"pain": 5.7})
    assert below.level == "none"
    assert not below.responder


def test_neurostimulation_responder_needs_50_percent() -> None:
    """SCS trials (PROCESS, SENZA-RCT): responder = >= 50 % pain reduction; 30 % is not enough."""
    assert not respond("scs_relief", {"pain": 8}, {"pain": 5}).responder
    assert respond("scs_relief", {"pain": 8}, {"pain": 4}).responder


def test_odi_important_at_10_points_or_30_percent() -> None:
    """Ostelo 2008: ODI minimal important change 10 points or 30 %."""
    assert respond("odi", {"odi": 40}, {"odi": 30}).responder  # 10 points
    assert respond("odi", {"odi": 20}, {"odi": 14}).responder  # 30 %
    assert not respond("odi", {"odi": 40}, {"odi": 31}).responder


def test_omeract_oarsi_high_improvement_or_two_of_three_domains() -> None:
    """Pham 2004: pain or function >= 50 % and >= 20 points, or >= 2 of pain, function and
    global each >= 20 % and >= 10 points."""
    base = {"pain": 60, "function": 60, "patient_global": 60}
    assert respond("womac", base, {"pain": 30, "function": 60, "patient_global": 60}).responder
    assert respond("womac", base, {"pain": 48, "function": 48, "patient_global": 60}).responder
    assert not respond("womac", base, {"pain": 48, "function": 55, "patient_global": 55}).responder
    # 50 % but under 20 points: not a high improvement
    low = {"pain": 30, "function": 80, "patient_global": 80}
    assert not respond("womac", low, {"pain": 15, "function": 80, "patient_global": 80}).responder


def test_acr20_50_70_need_both_joint_counts_and_three_of_five_core_measures() -> None:
    """Felson 1995: >= 20 % in tender and swollen counts and in >= 3 of the 5 other measures."""
    base = {
        "tender_joints": 20,
        "swollen_joints": 10,
        "patient_global": 60,
        "physician_global": 60,
        "pain": 60,
        "haq_di": 1.5,
        "crp_mg_l": 20,
    }
    acr50 = {
        "tender_joints": 9,
        "swollen_joints": 5,
        "patient_global": 30,
        "physician_global": 29,
        "pain": 28,
        "haq_di": 1.5,
        "crp_mg_l": 20,
    }
    assert respond("acr", base, acr50).level == "ACR50"
    acr70 = acr50 | {
        "tender_joints": 6,
        "swollen_joints": 3,
        "patient_global": 18,
        "physician_global": 18,
        "pain": 18,
    }
    assert respond("acr", base, acr70).level == "ACR70"
    only_two = acr50 | {"pain": 60}
    only_two["physician_global"] = 60
    assert respond("acr", base, only_two).level == "none"


def test_das28_formulas_and_eular_response() -> None:
    """Prevoo 1995 (DAS28-ESR), DAS28-CRP; van Gestel 1996 EULAR response."""
    esr = {"tender_joints_28": 4, "swollen_joints_28": 1, "esr_mm_h": 25, "patient_global": 40}
    assert das28(esr) == pytest.approx(0.56 * 2 + 0.28 + 0.70 * 3.2189 + 0.56, abs=0.01)
    base = {"tender_joints_28": 12, "swollen_joints_28": 8, "crp_mg_l": 25, "patient_global": 70}
    good = {"tender_joints_28": 1, "swollen_joints_28": 0, "crp_mg_l": 3, "patient_global": 15}
    assert respond("das28_crp", base, good).level == "good"
    small = {"tender_joints_28": 9, "swollen_joints_28": 6, "crp_mg_l": 20, "patient_global": 60}
    assert respond("das28_crp", base, small).level in {"moderate", "none"}
    same = respond("das28_crp", base, base)
    assert same.level == "none"
    assert same.numbers["improvement"] == 0


def test_asas40_needs_three_domains_improved_40_percent_and_2_units_and_no_worsening() -> None:
    """Brandt 2004 (ASAS40); Anderson 2001 (ASAS20)."""
    base = {"patient_global": 7, "spinal_pain": 7, "basfi": 6, "inflammation": 6}
    asas40 = {"patient_global": 3, "spinal_pain": 3, "basfi": 3, "inflammation": 6}
    assert respond("asas", base, asas40).level == "ASAS40"
    worse = asas40 | {"inflammation": 6.5}
    assert respond("asas", base, worse).level == "ASAS20"
    asas20 = {"patient_global": 5.5, "spinal_pain": 5.5, "basfi": 4.5, "inflammation": 6}
    result = respond("asas", base, asas20)
    assert result.level == "ASAS20"
    assert not result.responder


def test_asdas_improvement_cut_offs_and_states() -> None:
    """Lukas 2009 formula; Machado 2011: >= 1.1 clinically important, >= 2.0 major;
    Machado 2018 states."""
    high = {
        "back_pain": 8,
        "morning_stiffness_duration": 8,
        "patient_global": 8,
        "peripheral_pain_swelling": 5,
        "crp_mg_l": 30,
    }
    assert asdas_crp(high) == pytest.approx(0.96 + 0.48 + 0.88 + 0.35 + 0.58 * 3.434, abs=0.01)
    low = {
        "back_pain": 2,
        "morning_stiffness_duration": 2,
        "patient_global": 2,
        "peripheral_pain_swelling": 1,
        "crp_mg_l": 1,
    }
    assert respond("asdas_crp", high, low).level == "major_improvement"
    mid = high | {"back_pain": 5, "patient_global": 5, "crp_mg_l": 12}
    assert respond("asdas_crp", high, mid).level == "clinically_important"
    assert [asdas_state(x) for x in (1.2, 1.3, 2.1, 3.5, 3.6)] == [
        "inactive",
        "low",
        "high",
        "high",
        "very_high",
    ]


def test_monthly_migraine_days_50_percent() -> None:
    """Tassorelli 2018 (IHS) and AHS 2021: >= 50 % fewer monthly migraine days."""
    assert respond("monthly_migraine_days", {"migraine_days": 10}, {"migraine_days": 5}).responder
    partial = respond("monthly_migraine_days", {"migraine_days": 10}, {"migraine_days": 7})
    assert partial.level == "partial"
    assert not partial.responder


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"pain": 11}, "values.pain"),
        ({"pain": -1}, "values.pain"),
        ({"pain": float("nan")}, "values.pain"),
        ({"pain": True}, "values.pain"),
        ({}, "values.pain"),
        ({"pain": 3, "mood": 2}, "values.mood"),
    ],
)
def test_values_out_of_bounds_are_refused_naming_the_field(
    values: dict[str, object], field: str
) -> None:
    with pytest.raises(OutcomeError) as caught:
        respond("pain_nrs", values, {"pain": 2})
    assert caught.value.field == field


def test_whole_numbers_where_the_instrument_counts() -> None:
    with pytest.raises(OutcomeError, match="whole number"):
        respond("monthly_migraine_days", {"migraine_days": 4.5}, {"migraine_days": 2})


def test_next_assessment_follows_the_plan_then_repeats() -> None:
    """NICE CGRP TAs: review at 12 weeks; the plan then repeats every 12 weeks."""
    plan = workflow_knowledge().plan_for("cgrp_monoclonal_antibody")
    start = date(2026, 1, 5)
    assert next_due(plan, start, None) == date(2026, 3, 30)
    assert next_due(plan, start, date(2026, 3, 20)) == date(2026, 6, 22)  # 10 days early counts
    assert next_due(plan, start, date(2026, 3, 1)) == date(2026, 3, 30)
    prp = workflow_knowledge().plan_for("prp_injection")
    assert next_due(prp, start, date(2026, 4, 6)) == date(2026, 7, 6)  # 3 -> 6 months
