"""The CDC 2022 recommendations as alerts, for patients a pain clinic sees."""

from __future__ import annotations

from typing import Any

import pytest

from painpath.opioids.alerts import SUMMARY_LIMIT, make_alert
from painpath.opioids.knowledge import rule_knowledge
from tests.opioids.helpers import med, oral, run

# a patient whose naloxone is on file, so that only the rule under test speaks
QUIET: dict[str, Any] = {"active_naloxone_rescue_rx": True}


@pytest.mark.parametrize(
    ("morphine_mg", "codes"),
    [
        (49, set()),
        (50, {"MME_GE_50"}),
        (89, {"MME_GE_50"}),
        (90, {"MME_GE_90"}),
        (200, {"MME_GE_90"}),
    ],
)
def test_mme_thresholds_are_inclusive_at_exactly_50_and_90(
    morphine_mg: int, codes: set[str]
) -> None:
    result = run(oral("morphine", morphine_mg, 1), **QUIET)
    assert {c for c in result.codes if c.startswith("MME_GE")} == codes


def test_oxycodone_at_exactly_50_mme_meets_the_threshold() -> None:
    # oxycodone 5 mg four times a day (30 MME) + hydrocodone 10 mg twice a day (20 MME)
    result = run(oral("oxycodone", 5, 4), oral("hydrocodone", 10, 2), **QUIET)
    assert result.mme.total == 50
    assert "MME_GE_50" in result.codes


def test_mme_ge_90_is_critical_and_names_its_total_and_source() -> None:
    alert = run(med("fentanyl", patch_mcg_per_h=50), **QUIET).alert("MME_GE_90")
    assert alert is not None
    assert alert.severity == "critical"
    assert "120 MME/day" in alert.summary
    assert alert.facts["total_mme_per_day"] == 120
    assert alert.source.url.startswith("https://www.cdc.gov/mmwr/volumes/71/rr/rr7103a1")
    assert "Recommendation" in alert.source.recommendation


def test_an_incomplete_total_over_50_still_fires_and_says_it_is_a_lower_bound() -> None:
    result = run(oral("morphine", 60, 1), oral("levorphanol", 2, 3), **QUIET)
    alert = result.alert("MME_GE_50")
    assert alert is not None
    assert alert.facts["total_is_complete"] is False
    assert "60+ MME/day" in alert.summary
    assert "NO_CONVERSION_FACTOR" in result.codes


@pytest.mark.parametrize(
    "reason",
    [
        {"age": 16},
        {"active_cancer_treatment": True},
        {"palliative_or_hospice": True},
        {"sickle_cell": True},
    ],
)
def test_exclusions_suppress_recommendations_but_keep_the_mme(reason: dict[str, Any]) -> None:
    result = run(
        oral("morphine", 60, 2),
        med("alprazolam", "benzodiazepine"),
        opioid_naive=True,
        last_pdmp_review_date=None,
        **reason,
    )
    assert result.mme.total == 120
    assert result.codes[0] == "EXCLUDED_FROM_GUIDELINE"
    assert {a.kind for a in result.alerts} <= {"scope", "calculation"}
    assert result.as_json()["excluded_from_guideline"] is True


def test_an_excluded_patient_still_hears_that_buprenorphine_is_not_counted() -> None:
    result = run(oral("buprenorphine", 8, 2), sickle_cell=True)
    assert set(result.codes) == {"EXCLUDED_FROM_GUIDELINE", "BUPRENORPHINE_NOT_IN_MME"}


@pytest.mark.parametrize(
    ("medications", "patient", "trigger"),
    [
        ([oral("morphine", 50, 1)], {}, "MME ≥ 50"),
        ([oral("morphine", 10, 1), med("diazepam", "benzodiazepine")], {}, "benzodiazepine"),
        ([oral("morphine", 10, 1)], {"oud_or_sud_history": True}, "substance use disorder"),
        ([oral("morphine", 10, 1)], {"overdose_history": True}, "overdose history"),
    ],
)
def test_naloxone_is_offered_for_each_risk_factor(
    medications: list[dict[str, Any]], patient: dict[str, Any], trigger: str
) -> None:
    alert = run(*medications, **patient).alert("NALOXONE_OFFER")
    assert alert is not None
    assert alert.facts["triggers"] == [trigger]


def test_no_naloxone_alert_without_a_risk_factor() -> None:
    assert "NALOXONE_OFFER" not in run(oral("morphine", 10, 2)).codes


@pytest.mark.parametrize(
    "on_file",
    [{"active_naloxone_rescue_rx": True}, {"extra": med("naloxone", "opioid_antagonist")}],
)
def test_no_naloxone_alert_when_naloxone_is_on_file(on_file: dict[str, Any]) -> None:
    extra = [on_file.pop("extra")] if "extra" in on_file else []
    result = run(oral("morphine", 60, 1), *extra, **on_file)
    assert "NALOXONE_OFFER" not in result.codes
    assert "MME_GE_50" in result.codes


def test_benzodiazepine_with_an_opioid_fires_benzo_coprescribe() -> None:
    result = run(oral("oxycodone", 5, 2), med("alprazolam", "benzodiazepine"), **QUIET)
    alert = result.alert("BENZO_COPRESCRIBE")
    assert alert is not None
    assert "alprazolam" in alert.summary
    assert alert.medication_indexes == (0, 1)
    assert "CNS_DEPRESSANT_COPRESCRIBE" not in result.codes


@pytest.mark.parametrize(
    ("ingredient", "drug_class"),
    [
        ("gabapentin", "gabapentinoid"),
        ("pregabalin", "gabapentinoid"),
        ("zolpidem", "sedative_hypnotic"),
        ("cyclobenzaprine", "muscle_relaxant"),
        ("butalbital", "barbiturate"),
    ],
)
def test_gabapentinoids_z_drugs_relaxants_and_barbiturates_fire_cns_depressant(
    ingredient: str, drug_class: str
) -> None:
    result = run(oral("oxycodone", 5, 2), med(ingredient, drug_class), **QUIET)
    alert = result.alert("CNS_DEPRESSANT_COPRESCRIBE")
    assert alert is not None
    assert alert.facts["cns_depressants"] == {ingredient: drug_class}


def test_a_gabapentinoid_without_an_opioid_is_no_coprescription() -> None:
    assert "CNS_DEPRESSANT_COPRESCRIBE" not in run(med("gabapentin", "gabapentinoid")).codes


def test_er_la_opioid_for_an_opioid_naive_patient() -> None:
    er = oral("oxycodone", 10, 2, extended_release=True)
    assert "ER_LA_IN_OPIOID_NAIVE" in run(er, opioid_naive=True).codes
    assert "ER_LA_IN_OPIOID_NAIVE" not in run(er, opioid_naive=False).codes
    assert "ER_LA_IN_OPIOID_NAIVE" not in run(er, opioid_naive=None).codes  # unknown never fires


@pytest.mark.parametrize(
    "medication", [oral("methadone", 5, 2), med("fentanyl", patch_mcg_per_h=12)]
)
def test_methadone_and_fentanyl_patches_count_as_long_acting(medication: dict[str, Any]) -> None:
    assert "ER_LA_IN_OPIOID_NAIVE" in run(medication, opioid_naive=True).codes


def test_nonopioid_first_for_acute_pain_in_an_opioid_naive_patient() -> None:
    acute = oral("hydrocodone", 5, 4, days_supply=3)
    assert "NONOPIOID_FIRST_ACUTE" in run(acute, opioid_naive=True).codes
    assert "NONOPIOID_FIRST_ACUTE" not in run(acute, opioid_naive=False).codes
    chronic = oral("hydrocodone", 5, 4, days_supply=30)
    assert "NONOPIOID_FIRST_ACUTE" not in run(chronic, opioid_naive=True).codes


@pytest.mark.parametrize(
    ("days", "fires"), [(3, False), (7, False), (8, True), (27, True), (28, False)]
)
def test_acute_supply_over_7_days(days: int, fires: bool) -> None:
    result = run(oral("oxycodone", 5, 4, days_supply=days))
    assert ("ACUTE_SUPPLY_GT_7D" in result.codes) is fires


def test_a_diagnosed_acute_pain_order_over_7_days_fires_whatever_its_supply() -> None:
    result = run(oral("oxycodone", 5, 4, days_supply=30, pain_duration="acute"))
    assert "ACUTE_SUPPLY_GT_7D" in result.codes


def test_udt_due_for_long_term_therapy_without_a_test_in_12_months() -> None:
    chronic = oral("morphine", 15, 2, days_supply=30)
    assert "UDT_DUE" in run(chronic, last_udt_date="2025-10-01").codes
    assert "UDT_DUE" not in run(chronic, last_udt_date="2026-01-01").codes
    assert "UDT_DUE" not in run(oral("morphine", 15, 2, days_supply=5), last_udt_date=None).codes
    recent = ({"substance": "opiate", "result": "positive", "date": "2026-10-01"},)
    assert "UDT_DUE" not in run(chronic, last_udt_date=None, udt_results=recent).codes


def test_cocaine_positive_is_an_unexpected_udt_result() -> None:
    results = (
        {"substance": "cocaine", "result": "positive", "date": "2026-10-01"},
        {"substance": "opiate", "result": "positive", "date": "2026-10-01"},
    )
    alert = run(oral("morphine", 15, 2), udt_results=results).alert("UDT_UNEXPECTED")
    assert alert is not None
    assert [f["substance"] for f in alert.facts["findings"]] == ["cocaine"]
    assert "positive cocaine" in alert.summary


def test_a_prescribed_opioid_testing_negative_is_unexpected() -> None:
    results = ({"substance": "oxycodone", "result": "negative", "date": "2026-10-01"},)
    alert = run(oral("oxycodone", 10, 3), udt_results=results).alert("UDT_UNEXPECTED")
    assert alert is not None
    assert alert.facts["findings"][0]["result"] == "negative"


def test_expected_results_and_old_results_raise_nothing() -> None:
    results = (
        {"substance": "oxycodone", "result": "positive", "date": "2026-10-01"},
        {"substance": "benzodiazepine", "result": "positive", "date": "2026-10-01"},
        {"substance": "cocaine", "result": "positive", "date": "2024-01-01"},  # outside 12 months
        {
            "substance": "cannabinoid",
            "result": "positive",
            "date": "2026-10-01",
        },  # off, as in the IG
    )
    result = run(
        oral("oxycodone", 10, 3), med("lorazepam", "benzodiazepine"), udt_results=results, **QUIET
    )
    assert "UDT_UNEXPECTED" not in result.codes


def test_a_prn_opioid_testing_negative_is_not_unexpected() -> None:
    results = ({"substance": "oxycodone", "result": "negative", "date": "2026-10-01"},)
    assert "UDT_UNEXPECTED" not in run(oral("oxycodone", 5, 2, prn=True), udt_results=results).codes


def test_pdmp_review_due_after_90_days() -> None:
    assert "PDMP_REVIEW_DUE" in run(oral("oxycodone", 5, 2), last_pdmp_review_date=None).codes
    assert (
        "PDMP_REVIEW_DUE" in run(oral("oxycodone", 5, 2), last_pdmp_review_date="2026-08-26").codes
    )
    assert (
        "PDMP_REVIEW_DUE"
        not in run(oral("oxycodone", 5, 2), last_pdmp_review_date="2026-08-27").codes
    )


def test_benefit_risk_review_due_for_long_term_therapy() -> None:
    result = run(
        oral("morphine", 15, 2), long_term_opioid_therapy=True, last_benefit_risk_review_date=None
    )
    assert "BENEFIT_RISK_REVIEW_DUE" in result.codes
    assert (
        "BENEFIT_RISK_REVIEW_DUE"
        not in run(oral("morphine", 15, 2), last_benefit_risk_review_date=None).codes
    )


def test_opioid_use_disorder_without_moud_offers_it() -> None:
    assert "OUD_OFFER_MOUD" in run(oral("oxycodone", 5, 2), opioid_use_disorder=True).codes
    treated = run(oral("buprenorphine", 8, 2, route="sublingual"), opioid_use_disorder=True)
    assert "OUD_OFFER_MOUD" not in treated.codes
    naltrexone = med("naltrexone", "opioid_antagonist", mg_per_dose=50, doses_per_day=1)
    assert "OUD_OFFER_MOUD" not in run(naltrexone, opioid_use_disorder=True).codes


def test_alerts_come_most_severe_first() -> None:
    result = run(
        oral("morphine", 100, 1), med("alprazolam", "benzodiazepine"), last_pdmp_review_date=None
    )
    order = {"critical": 0, "warning": 1, "info": 2}
    severities = [order[a.severity] for a in result.alerts]
    assert severities == sorted(severities)
    assert result.codes[0] == "MME_GE_90"


def test_every_alert_code_has_short_wording_a_severity_and_a_source() -> None:
    long = "x" * 300
    for code, text in rule_knowledge().alerts.items():
        assert code.isupper()
        assert text.severity in {"info", "warning", "critical"}
        assert text.url.startswith("https://")
        assert all((text.guideline, text.recommendation, text.detail))
        for v in (long, "1"):
            alert = make_alert(code, reasons=v, total=v, triggers=v, drugs=v, days=v, findings=v)
            assert len(alert.summary) < SUMMARY_LIMIT


def test_the_issue_lists_codes_that_all_exist() -> None:
    required = {
        "MME_GE_50", "MME_GE_90", "NALOXONE_OFFER", "BENZO_COPRESCRIBE",
        "CNS_DEPRESSANT_COPRESCRIBE", "ER_LA_IN_OPIOID_NAIVE", "ACUTE_SUPPLY_GT_7D", "UDT_DUE",
        "UDT_UNEXPECTED", "PDMP_REVIEW_DUE", "BENEFIT_RISK_REVIEW_DUE", "OUD_OFFER_MOUD",
        "METHADONE_CAUTION", "FENTANYL_PATCH_CAUTION", "BUPRENORPHINE_NOT_IN_MME",
        "NO_CONVERSION_FACTOR", "EXCLUDED_FROM_GUIDELINE", "NONOPIOID_MAXIMIZE_CHRONIC",
    }  # fmt: skip
    assert required <= set(rule_knowledge().alerts)


def test_an_opioid_whose_every_sig_line_is_prn_counts_as_prn() -> None:
    results = ({"substance": "oxycodone", "result": "negative", "date": "2026-10-01"},)
    as_needed = med("oxycodone", dosage=[{"dose": 5, "frequency": 4, "prn": True}])
    scheduled = med("oxycodone", dosage=[{"dose": 5, "frequency": 4}])
    assert "UDT_UNEXPECTED" not in run(as_needed, udt_results=results).codes
    assert "UDT_UNEXPECTED" in run(scheduled, udt_results=results).codes
