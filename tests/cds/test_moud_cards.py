"""CDS Hooks order-sign: the Recommendation 12 card (offer MOUD) looks at the formulation of the
buprenorphine, methadone or naltrexone on the chart, not only its ingredient."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from painpath.models import CdsIssuedCard
from tests.cds.conftest import Ehr
from tests.cds.fhir_data import (
    EHR_PATIENT,
    bundle,
    full_prefetch,
    hook_request,
    medication_request,
    oxycodone_draft,
)

OUD_CONDITION = {
    "resourceType": "Condition",
    "id": "oud",
    "subject": {"reference": f"Patient/{EHR_PATIENT}"},
    "clinicalStatus": {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active",
            }
        ]
    },
    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F11.20"}]},
    "recordedDate": "2026-11-01",
}


def _alert_codes(app: FastAPI, ehr: Ehr, *chart: dict[str, Any]) -> set[str]:
    prefetch = full_prefetch(*chart)
    prefetch["conditions"] = bundle(OUD_CONDITION)
    body = hook_request("order-sign", drafts=[oxycodone_draft()], prefetch=prefetch)
    cards = ehr.call("painpath-order-sign", body)
    with app.state.session_factory() as session:
        issued = {c.uuid: c.alert_code for c in session.scalars(select(CdsIssuedCard))}
    return {issued[card["uuid"]] for card in cards}


def test_finding_4_a_buprenorphine_pain_patch_does_not_silence_the_offer_moud_card(
    cds_app: FastAPI, ehr: Ehr
) -> None:
    """Issue 9, finding 4. CDC 2022 Recommendation 12 (MMWR Recomm Rep 2022;71(RR-3)) asks for
    medication for opioid use disorder; a Butrans patch (RxNorm 904870, 10 mcg/h) is for pain.
    Through a whole CDS Hooks exchange with FHIR MedicationRequests the card now shows; before
    the fix the patch silenced it."""
    patch = medication_request(
        "mr-butrans", "904870", "168 HR buprenorphine 0.01 MG/HR Transdermal System", per_day=1
    )
    assert "OUD_OFFER_MOUD" in _alert_codes(cds_app, ehr, patch)


def test_sublingual_buprenorphine_naloxone_silences_the_offer_moud_card(
    cds_app: FastAPI, ehr: Ehr
) -> None:
    film = medication_request(
        "mr-suboxone", "1010604", "buprenorphine 8 MG / naloxone 2 MG Sublingual Film", per_day=2
    )
    assert "OUD_OFFER_MOUD" not in _alert_codes(cds_app, ehr, film)
    assert "OUD_OFFER_MOUD" in _alert_codes(cds_app, ehr)
