"""Issue 9 through the real CDS service: PGx cards offer only alternatives checked against the
same patient, and advice selected by a drug interaction gets an indicator one level lower."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from painpath.models import AdministrativeGender, CdsIssuedCard, GenotypeResult, Patient
from tests.cds.conftest import Ehr
from tests.cds.fhir_data import (
    MRN,
    codeine_draft,
    full_prefetch,
    hook_request,
    medication_request,
)


def _patient(app: FastAPI, genotypes: dict[str, tuple[str, str, float | None]]) -> int:
    """A painpath patient (MRN matching the EHR Patient) with these stored genotypes."""
    with app.state.session_factory() as session:
        patient = Patient(
            mrn=MRN,
            given_name="Ada",
            family_name="Synthetic",
            birth_date=date(1968, 5, 4),
            gender=AdministrativeGender.female,
        )
        session.add(patient)
        session.flush()
        for gene, (diplotype, phenotype, score) in genotypes.items():
            session.add(
                GenotypeResult(
                    patient_id=patient.id,
                    gene=gene,
                    diplotype=diplotype,
                    phenotype=phenotype,
                    activity_score=score,
                    source="lab",
                    knowledge_version="test",
                )
            )
        session.commit()
        return patient.id


def _draft(rid: str, code: str, display: str) -> dict[str, Any]:
    return medication_request(rid, code, display, per_day=1, status="draft", authored="2026-11-25")


def _pgx_card(app: FastAPI, ehr: Ehr, draft: dict[str, Any], *others: dict[str, Any]) -> Any:
    body = hook_request("order-select", drafts=[draft], prefetch=full_prefetch(*others))
    body["context"]["selections"] = [f"MedicationRequest/{draft['id']}"]
    cards = ehr.call("painpath-order-select", body)
    with app.state.session_factory() as session:
        issued = {c.uuid: c.alert_code for c in session.scalars(select(CdsIssuedCard))}
    pgx = [card for card in cards if issued[card["uuid"]].startswith("PGX_")]
    assert len(pgx) == 1, [c["summary"] for c in cards]
    return pgx[0]


def _suggested(card: dict[str, Any]) -> list[str]:
    return [
        action["resource"]["medicationCodeableConcept"]["text"]
        for suggestion in card.get("suggestions", [])
        for action in suggestion["actions"]
        if action["type"] == "create"
    ]


AMITRIPTYLINE = ("draft-ami", "704", "amitriptyline")
PAROXETINE = medication_request("mr-paroxetine", "32937", "paroxetine", per_day=1)


def test_finding_1_cds_card_for_a_cyp2d6_poor_metabolizer_offers_no_tricyclic(
    cds_app: FastAPI, ehr: Ehr
) -> None:
    """Ordering amitriptyline for a CYP2D6 poor metabolizer (CYP2C19 normal): a critical card
    that offers neither nortriptyline nor desipramine.

    Source: CPIC tricyclic guideline 2016 update (Hicks et al., Clin Pharmacol Ther
    2017;102:37-44), Table 2, amitriptyline, CYP2D6 poor metabolizer + CYP2C19 normal
    metabolizer (Strong: avoid tricyclics, consider a drug not metabolized by CYP2D6).
    """
    _patient(
        cds_app,
        {
            "CYP2D6": ("*4/*4", "Poor Metabolizer", 0.0),
            "CYP2C19": ("*1/*1", "Normal Metabolizer", None),
        },
    )
    card = _pgx_card(cds_app, ehr, _draft(*AMITRIPTYLINE))
    assert card["indicator"] == "critical"
    assert "CYP2D6 does not clear" in card["detail"]
    assert "Alternatives:" not in card["detail"]
    assert not any("triptyline" in s or "desipramine" in s for s in _suggested(card))


def test_finding_2_cds_card_states_the_dose_caveat_of_each_tricyclic_alternative(
    cds_app: FastAPI, ehr: Ehr
) -> None:
    """CYP2D6 intermediate metabolizer with CYP2C19 rapid: nortriptyline and desipramine are
    listed only with nortriptyline's own CYP2D6 dose advice.

    Source: CPIC tricyclic guideline 2016 update (Hicks et al. 2017), Table 2, nortriptyline,
    CYP2D6 intermediate metabolizer (consider a 25 % reduction of the starting dose; therapeutic
    drug monitoring).
    """
    _patient(
        cds_app,
        {
            "CYP2D6": ("*1/*4", "Intermediate Metabolizer", 1.0),
            "CYP2C19": ("*1/*17", "Rapid Metabolizer", None),
        },
    )
    card = _pgx_card(cds_app, ehr, _draft(*AMITRIPTYLINE))
    assert card["indicator"] == "warning"  # CPIC Optional
    alternatives = card["detail"].split("Alternatives:", 1)[1]
    assert "Consider starting nortriptyline at three quarters of the usual dose" in alternatives
    assert "Consider starting desipramine at three quarters of the usual dose" in alternatives


@pytest.mark.parametrize(
    ("cyp2d6", "meds", "indicator", "applied_via_interaction"),
    [
        (("*4/*4", "Poor Metabolizer", 0.0), (), "critical", False),
        (("*1/*1", "Normal Metabolizer", 2.0), (PAROXETINE,), "warning", True),
    ],
    ids=["poor by genotype", "poor through paroxetine"],
)
def test_finding_6_cds_card_after_phenoconversion_is_one_level_lower(
    cds_app: FastAPI,
    ehr: Ehr,
    cyp2d6: tuple[str, str, float],
    meds: tuple[dict[str, Any], ...],
    indicator: str,
    applied_via_interaction: bool,
) -> None:
    """Codeine for a poor metabolizer is a critical card; for a normal metabolizer made a
    functional poor one by paroxetine it keeps CPIC's advice, one level lower, and says that
    CPIC graded it for the genotype-defined phenotype.

    Sources: CPIC opioid guideline 2021 (Crews et al., Clin Pharmacol Ther 2021;110:888-896),
    Table 2, codeine, CYP2D6 poor metabolizer (Strong: avoid), and its text on CYP2D6
    inhibitors; FDA Table of Substrates, Inhibitors and Inducers (paroxetine: strong CYP2D6
    inhibitor).
    """
    _patient(cds_app, {"CYP2D6": cyp2d6})
    card = _pgx_card(cds_app, ehr, codeine_draft(), *meds)
    assert card["indicator"] == indicator
    label = "CPIC Strong (for the genotype-defined phenotype); applied here through a drug"
    assert (label in card["detail"]) is applied_via_interaction
    assert "Do not use codeine" in card["detail"]


def test_finding_7_cds_codeine_card_for_an_ultrarapid_metabolizer(
    cds_app: FastAPI, ehr: Ehr
) -> None:
    """Codeine for a CYP2D6 ultrarapid metabolizer: CPIC's words, non-opioid analgesics listed
    first, no fentanyl patch offered.

    Sources: CPIC opioid guideline 2021 (Crews et al. 2021), Table 2, codeine, CYP2D6
    ultrarapid metabolizer ("Avoid codeine use because of potential for serious toxicity");
    transdermal fentanyl US prescribing information (opioid-tolerant patients only); CDC 2022
    opioid guideline, recommendation 3.
    """
    _patient(cds_app, {"CYP2D6": ("*1/*1x2", "Ultrarapid Metabolizer", 3.0)})
    card = _pgx_card(cds_app, ehr, codeine_draft())
    assert card["indicator"] == "critical"
    assert "potential for serious toxicity" in card["summary"] + card["detail"]
    assert "likely" not in card["detail"].split("\n\n", 1)[0]
    alternatives = card["detail"].split("Alternatives:", 1)[1]
    assert alternatives.index("acetaminophen") < alternatives.index("morphine")
    assert "fentanyl" not in card["detail"]
    assert all("fentanyl" not in s for s in _suggested(card))
    assert any("morphine" in s for s in _suggested(card))
