"""Rec 12 from FHIR: MOUD by the RxNorm product's formulation and the order's reason."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from painpath.fhir import assessment_input_from_fhir
from painpath.opioids import assess
from tests.fhir.builders import concept, condition, patient, request

TODAY = date(2023, 5, 1)
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
OUD = condition(ICD10, "F11.20") | {"id": "oud", "recordedDate": "2023-03-01"}
# RxNorm products, all in the IG's buprenorphine-and-methadone value set
BUTRANS_10 = "904870"  # 168 HR buprenorphine 0.01 MG/HR Transdermal System
BELBUCA_300 = "1716065"  # buprenorphine 0.3 MG Buccal Film
BUPRENEX = "238129"  # 1 ML buprenorphine 0.3 MG/ML Injection
SUBOXONE_8 = "1010604"  # buprenorphine 8 MG / naloxone 2 MG Sublingual Film
BUNAVAIL_4 = "1544851"  # buprenorphine 4.2 MG / naloxone 0.7 MG Buccal Film
SUBLOCADE_100 = "1996184"  # 0.5 ML buprenorphine 200 MG/ML Prefilled Syringe
BRIXADI_8 = "2639021"  # 0.16 ML buprenorphine 50 MG/ML Prefilled Syringe
METHADONE_10 = "864706"  # methadone hydrochloride 10 MG Oral Tablet


def codes(*chart: dict[str, Any]) -> tuple[str, ...]:
    inputs = assessment_input_from_fhir(
        patient=patient(), resources=[OUD, *chart], draft_orders=[request(rid="draft")], today=TODAY
    )
    return assess(inputs.data, today=TODAY).codes


def active(code: str, **fields: Any) -> dict[str, Any]:
    return request(code, authored="2023-04-01", rid=f"rx-{code}") | fields


@pytest.mark.parametrize("code", [BUTRANS_10, BELBUCA_300, BUPRENEX, METHADONE_10])
def test_finding_4_pain_only_products_do_not_silence_offer_moud_from_fhir(code: str) -> None:
    """Issue 9, finding 4. CDC 2022 Recommendation 12 (MMWR Recomm Rep 2022;71(RR-3)): only
    medication for opioid use disorder counts. Butrans patches, Belbuca buccal films and the
    Buprenex injection are pain products, and methadone tablets without an OUD reason are taken
    to be for pain; an active order or a completed one in the last 90 days silenced the alert
    before the fix."""
    assert "OUD_OFFER_MOUD" in codes(active(code))
    completed = request(code, authored="2023-03-15", status="completed", rid="done")
    assert "OUD_OFFER_MOUD" in codes(completed)


@pytest.mark.parametrize("code", [SUBOXONE_8, BUNAVAIL_4, SUBLOCADE_100, BRIXADI_8])
def test_oud_formulations_silence_offer_moud_from_fhir(code: str) -> None:
    assert "OUD_OFFER_MOUD" not in codes(active(code))
    completed = request(code, authored="2023-03-15", status="completed", rid="done")
    assert "OUD_OFFER_MOUD" not in codes(completed)


def test_methadone_with_an_oud_reason_is_moud() -> None:
    by_code = active(METHADONE_10, reasonCode=[concept(ICD10, "F11.20")])
    assert "OUD_OFFER_MOUD" not in codes(by_code)
    by_reference = active(METHADONE_10, reasonReference=[{"reference": "Condition/oud"}])
    assert "OUD_OFFER_MOUD" not in codes(by_reference)
    for_pain = active(METHADONE_10, reasonCode=[concept(ICD10, "M54.50")])
    assert "OUD_OFFER_MOUD" in codes(for_pain)


@pytest.mark.parametrize(
    ("dose_form", "route"),
    [
        ("Sublingual Film", "sublingual"),
        ("Buccal Film", "buccal"),
        ("Mucosal Spray", "buccal"),
        ("Transdermal System", "transdermal"),
        ("Prefilled Syringe", "parenteral"),
        ("Injectable Solution", "parenteral"),
        ("Drug Implant", "parenteral"),
        ("Metered Dose Nasal Spray", "nasal"),
        ("Rectal Suppository", "rectal"),
        ("Extended Release Oral Tablet", None),
        (None, None),
    ],
)
def test_the_route_comes_from_the_rxnorm_dose_form(
    dose_form: str | None, route: str | None
) -> None:
    from painpath.fhir.medications import route_of

    assert route_of(dose_form) == route
