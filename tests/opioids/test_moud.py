"""CDC 2022 Recommendation 12 (offer MOUD): which buprenorphine, methadone and naltrexone
products on the list count as medication for opioid use disorder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from painpath.cli.main import app
from tests.opioids.helpers import med, oral, run

OUD: dict[str, Any] = {"opioid_use_disorder": True}
PAIN_ORDER = oral("oxycodone", 5, 2)

PAIN_ONLY = {
    "buprenorphine transdermal patch 10 mcg/h": med("buprenorphine", patch_mcg_per_h=10),
    "buprenorphine transdermal patch, route given": med(
        "buprenorphine", route="transdermal", patch_mcg_per_h=20
    ),
    "buprenorphine buccal film 300 mcg for pain": med(
        "buprenorphine", route="buccal", mg_per_dose=0.3, doses_per_day=2
    ),
    "buprenorphine injection 0.3 mg/mL": med(
        "buprenorphine", route="parenteral", strength_mg_per_ml=0.3
    ),
    "buprenorphine sublingual 0.2 mg (analgesic strength)": med(
        "buprenorphine", route="sublingual", strength_mg_per_unit=0.2
    ),
    "buprenorphine of unknown formulation": med("buprenorphine"),
    "low-dose naltrexone 4.5 mg a day": med(
        "naltrexone", "opioid_antagonist", mg_per_dose=4.5, doses_per_day=1
    ),
    "naltrexone of unknown dose": med("naltrexone", "opioid_antagonist"),
    "methadone with no indication (for pain by default)": oral("methadone", 10, 3),
    "sublingual buprenorphine explicitly for pain": oral(
        "buprenorphine", 8, 1, route="sublingual", indication="pain"
    ),
}

OUD_FORMULATIONS = {
    "sublingual buprenorphine 8 mg": oral("buprenorphine", 8, 2, route="sublingual"),
    "sublingual buprenorphine/naloxone film, strength only": med(
        "buprenorphine", route="sublingual", strength_mg_per_unit=8
    ),
    "sublingual buprenorphine, strength not given": med("buprenorphine", route="sublingual"),
    "buccal buprenorphine/naloxone 4.2 mg": med(
        "buprenorphine", route="buccal", strength_mg_per_unit=4.2
    ),
    "extended-release injectable buprenorphine 100 mg/0.5 mL": med(
        "buprenorphine", route="parenteral", strength_mg_per_ml=200
    ),
    "injectable buprenorphine marked extended release": med(
        "buprenorphine", route="parenteral", extended_release=True
    ),
    "buprenorphine implant 74.2 mg": med(
        "buprenorphine", route="parenteral", strength_mg_per_unit=74.2
    ),
    "extended-release injectable naltrexone": med(
        "naltrexone", "opioid_antagonist", route="parenteral"
    ),
    "oral naltrexone 50 mg a day": med(
        "naltrexone", "opioid_antagonist", mg_per_dose=50, doses_per_day=1
    ),
    "oral naltrexone 50 mg tablet, no sig": med(
        "naltrexone", "opioid_antagonist", strength_mg_per_unit=50
    ),
    "methadone dispensed for opioid use disorder": oral(
        "methadone", 60, 1, indication="opioid_use_disorder"
    ),
}


@pytest.mark.parametrize("product", PAIN_ONLY)
def test_finding_4_oud_offer_moud_not_suppressed_by_pain_only_products(product: str) -> None:
    """Issue 9, finding 4. CDC Clinical Practice Guideline for Prescribing Opioids for Pain,
    2022 (MMWR Recomm Rep 2022;71(RR-3)), Recommendation 12: offer or arrange evidence-based
    medications to treat opioid use disorder. A buprenorphine pain patch (Butrans 5-20 mcg/h),
    buccal pain film (Belbuca), low-dose naltrexone or methadone prescribed for pain is not that
    treatment, so it must not silence OUD_OFFER_MOUD (before the fix any of these did)."""
    result = run(PAIN_ORDER, PAIN_ONLY[product], **OUD)
    alert = result.alert("OUD_OFFER_MOUD")
    assert alert is not None, result.codes
    [decision] = alert.facts["not_counted_as_moud"]
    assert decision["index"] == 1
    assert decision["counts"] is False
    assert decision["reason"]
    assert alert.medication_indexes == ()  # about the patient, shown on every order-sign


@pytest.mark.parametrize("product", OUD_FORMULATIONS)
def test_oud_formulations_still_count_as_moud(product: str) -> None:
    """Issue 9, finding 4 (CDC 2022 Recommendation 12): sublingual buprenorphine or
    buprenorphine/naloxone, buccal buprenorphine/naloxone, extended-release injectable
    buprenorphine and the implant, extended-release injectable naltrexone, oral naltrexone at
    50 mg a day, and methadone marked as dispensed for OUD are MOUD."""
    assert "OUD_OFFER_MOUD" not in run(PAIN_ORDER, OUD_FORMULATIONS[product], **OUD).codes


def test_a_pain_patch_next_to_real_moud_does_not_matter() -> None:
    patch = PAIN_ONLY["buprenorphine transdermal patch 10 mcg/h"]
    treated = OUD_FORMULATIONS["sublingual buprenorphine 8 mg"]
    assert "OUD_OFFER_MOUD" not in run(PAIN_ORDER, patch, treated, **OUD).codes


def test_an_unknown_indication_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"medications\.0\.indication"):
        run(med("methadone", indication="detox"), **OUD)


def write(tmp_path: Path, medications: list[dict[str, Any]]) -> str:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps({"patient": {"age": 40, **OUD}, "medications": medications}))
    return str(path)


def test_finding_4_cli_assess_counts_moud_by_formulation(tmp_path: Path) -> None:
    """Issue 9, finding 4 (CDC 2022 Recommendation 12), through `painpath opioids assess`: a
    buprenorphine patch leaves the alert on; sublingual buprenorphine turns it off."""
    runner = CliRunner()
    patch = [PAIN_ORDER, {**PAIN_ONLY["buprenorphine transdermal patch 10 mcg/h"], "id": "bt"}]
    result = runner.invoke(app, ["opioids", "assess", write(tmp_path, patch), "--today",
                                 "2026-11-25"])  # fmt: skip
    assert result.exit_code == 0, result.output
    alerts = {a["code"]: a for a in json.loads(result.stdout)["alerts"]}
    assert alerts["OUD_OFFER_MOUD"]["facts"]["not_counted_as_moud"] == [
        {"index": 1, "ingredient": "buprenorphine", "counts": False,
         "reason": "transdermal buprenorphine is a pain patch"}
    ]  # fmt: skip
    sublingual = [PAIN_ORDER, OUD_FORMULATIONS["sublingual buprenorphine 8 mg"]]
    result = runner.invoke(app, ["opioids", "assess", write(tmp_path, sublingual), "--today",
                                 "2026-11-25"])  # fmt: skip
    codes = {a["code"] for a in json.loads(result.stdout)["alerts"]}
    assert "OUD_OFFER_MOUD" not in codes
