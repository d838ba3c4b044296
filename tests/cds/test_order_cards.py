"""Order-sign and order-select: opioid rules about the draft order, PGx advice for its drug."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from painpath.cds.hooks import _relevant
from painpath.models import AuditEvent, CdsIssuedCard
from painpath.opioids.alerts import make_alert
from tests.cds.conftest import PUBLIC_BASE_URL, Ehr
from tests.cds.fhir_data import (
    ISSUER,
    alprazolam,
    codeine_draft,
    full_prefetch,
    hook_request,
    morphine_er,
    oxycodone_draft,
)


def _codes(app: FastAPI, cards: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    with app.state.session_factory() as session:
        issued = {c.uuid: c.alert_code for c in session.scalars(select(CdsIssuedCard))}
    return {issued[card["uuid"]]: card for card in cards}


def test_oxycodone_on_morphine_er_and_alprazolam_gets_the_cdc_cards(
    cds_app: FastAPI, ehr: Ehr
) -> None:
    body = hook_request(
        "order-sign",
        drafts=[oxycodone_draft()],
        prefetch=full_prefetch(morphine_er(), alprazolam()),
    )
    cards = _codes(cds_app, ehr.call("painpath-order-sign", body))
    assert {"MME_GE_50", "NALOXONE_OFFER", "BENZO_COPRESCRIBE"} <= set(cards)
    naloxone = cards["NALOXONE_OFFER"]
    action = naloxone["suggestions"][0]["actions"][0]
    assert action["type"] == "create"
    assert action["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "1725059"
    assert "CDC" in cards["MME_GE_50"]["source"]["label"]
    assert all("links" not in card for card in cards.values())  # patient unknown to painpath


def test_codeine_for_a_cyp2d6_poor_metabolizer_gets_a_pgx_card_that_replaces_the_order(
    cds_app: FastAPI, ehr: Ehr, painpath_patient: int
) -> None:
    body = hook_request("order-select", drafts=[codeine_draft()], prefetch=full_prefetch())
    body["context"]["selections"] = ["MedicationRequest/draft-codeine"]
    cards = _codes(cds_app, ehr.call("painpath-order-select", body))
    pgx = cards["PGX_CODEINE"]
    assert pgx["indicator"] == "critical"
    assert pgx["source"]["label"].startswith("CPIC")
    assert "Poor Metabolizer" in pgx["detail"]
    replace = pgx["suggestions"][0]
    assert pgx["selectionBehavior"] == "at-most-one"
    assert [a["type"] for a in replace["actions"]] == ["delete", "create"]
    assert replace["actions"][0]["resourceId"] == "MedicationRequest/draft-codeine"
    created = replace["actions"][1]["resource"]
    assert "morphine" in created["medicationCodeableConcept"]["text"]
    assert created["subject"] == {"reference": "Patient/ehr-pt-1"}
    assert pgx["links"] == [
        {
            "label": "Open in painpath",
            "url": f"{PUBLIC_BASE_URL}/patients/{painpath_patient}",
            "type": "absolute",
        }
    ]
    with cds_app.state.session_factory() as session:
        reads = session.scalars(
            select(AuditEvent).where(AuditEvent.patient_id == painpath_patient)
        ).all()
    assert {e.resource_type for e in reads} >= {"Patient", "GenotypeResult"}
    assert all(e.user_id is None and ISSUER in (e.detail or "") for e in reads)


def test_only_alerts_about_the_draft_order_and_patient_level_ones_at_signing() -> None:
    about_chart = make_alert("METHADONE_CAUTION", medication_indexes=(0,))
    about_draft = make_alert("METHADONE_CAUTION", medication_indexes=(0, 1))
    patient_level = make_alert("EXCLUDED_FROM_GUIDELINE", reasons="age under 18")
    assert not _relevant(about_chart, {1}, "order-select", opioid_drafted=True)
    assert _relevant(about_draft, {1}, "order-select", opioid_drafted=False)
    assert not _relevant(patient_level, {1}, "order-select", opioid_drafted=False)
    assert _relevant(patient_level, {1}, "order-sign", opioid_drafted=False)


def test_selecting_an_opioid_brings_patient_level_alerts_such_as_unexpected_udt() -> None:
    patient_level = make_alert("EXCLUDED_FROM_GUIDELINE", reasons="age under 18")
    assert _relevant(patient_level, {1}, "order-select", opioid_drafted=True)


def test_no_pgx_card_for_a_patient_painpath_does_not_know(cds_app: FastAPI, ehr: Ehr) -> None:
    body = hook_request("order-select", drafts=[codeine_draft()], prefetch=full_prefetch())
    cards = _codes(cds_app, ehr.call("painpath-order-select", body))
    assert "PGX_CODEINE" not in cards


def test_patient_view_summarises_mme_medicines_and_phenotypes(
    cds_app: FastAPI, ehr: Ehr, painpath_patient: int
) -> None:
    body = hook_request("patient-view", prefetch=full_prefetch(morphine_er(), alprazolam()))
    cards = ehr.call("painpath-patient-view", body)
    assert len(cards) == 1
    card = cards[0]
    assert "30 MME/day" in card["summary"]
    assert "CYP2D6: Poor Metabolizer" in card["detail"]
    assert "alprazolam" in card["detail"].lower()
    assert card["links"][0]["url"].endswith(f"/patients/{painpath_patient}")
