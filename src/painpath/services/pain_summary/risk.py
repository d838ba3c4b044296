"""Risk factors for the pain summary, each read from a named code (see docs/pain-summary.md).

- Opioid Risk Tool: the latest completed `ort` (Webster & Webster 2005) or `ort-oud`
  (Cheatle 2019) questionnaire response, with its stored band.
- PHQ-9 item 9 (LOINC 44260-8, thoughts of being better off dead or of self-harm): the answer
  in the latest completed PHQ-9; any answer above 0 is positive (Kroenke 2001; the monitoring
  engine's `phq9_item9` alert rule uses the same cut-off).
- Benzodiazepines: active prescriptions whose RxNorm ingredient is in the benzodiazepine class of
  painpath's formulary (CDC 2022 Recommendation 11).
- Naloxone on file: an active prescription of naloxone or nalmefene (CDC 2022 Recommendation 8).
- Last urine drug test: the latest final Observation whose LOINC code is in a CDC Opioid CDS
  urine drug screening value set (Recommendation 10).
- PDMP check: the latest Observation coded SNOMED CT 461651000124104 "Prescription drug
  monitoring program data reviewed" or 461621000124108 "Review of prescription drug monitoring
  program data" (CDC Opioid CDS IG value sets pdmp-data-reviewed-finding and
  pdmp-review-procedure; Recommendation 9). painpath's Observation keeps its code in
  `loinc_code`, so a PDMP check is stored with one of these SNOMED CT codes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.fhir.valuesets import UDS_SUBSTANCES, value_set
from painpath.models.medication import MedicationRequest
from painpath.models.observation import Observation, ObservationStatus
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.services.pain_summary.opioid_view import is_naloxone
from painpath.terminology import DrugClass, lookup_rxnorm

PHQ9_ITEM9_LOINC = "44260-8"
PHQ9_ITEM9_INDEX = 8
ORT_INSTRUMENTS = ("ort", "ort-oud")
FINAL_STATUSES = (ObservationStatus.final, ObservationStatus.amended)
UDS_SETS = ("uds_all", *(f"uds_{substance}" for substance in UDS_SUBSTANCES))
PDMP_SETS = ("pdmp_data_reviewed_finding", "pdmp_review_procedure")


@cache
def codes_of(keys: tuple[str, ...]) -> tuple[str, ...]:
    """Every code of the named CDC Opioid CDS value sets, sorted."""
    return tuple(sorted({code for key in keys for _, code in value_set(key).pairs}))


@dataclass(frozen=True, slots=True)
class OrtScore:
    instrument: str
    score: float | None
    band: str | None
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class Item9:
    answer: int | None  # 0-3; None when the latest PHQ-9 left it unanswered
    answered_at: datetime

    @property
    def positive(self) -> bool:
        return self.answer is not None and self.answer > 0


@dataclass(frozen=True, slots=True)
class DatedObservation:
    code: str
    display: str
    on: date
    value: str | None


@dataclass(frozen=True, slots=True)
class RiskFactors:
    ort: OrtScore | None
    phq9_item9: Item9 | None
    benzodiazepines: tuple[str, ...]  # displays of the active benzodiazepine prescriptions
    naloxone: tuple[str, ...]  # displays of the active naloxone/nalmefene prescriptions
    last_udt: DatedObservation | None
    last_pdmp_check: DatedObservation | None


def _latest_response(
    session: Session, patient_id: int, instruments: tuple[str, ...]
) -> QuestionnaireResponse | None:
    return session.scalars(
        select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.questionnaire.in_(instruments),
            QuestionnaireResponse.status == "completed",
        )
        .order_by(QuestionnaireResponse.authored_at.desc(), QuestionnaireResponse.id.desc())
        .limit(1)
    ).first()


def _band(score: Any) -> str | None:
    band = score.get("band") if isinstance(score, dict) else None
    return band if isinstance(band, str) else None


def _item9(response: QuestionnaireResponse | None) -> Item9 | None:
    if response is None:
        return None
    answers = response.answers if isinstance(response.answers, list) else []
    raw = answers[PHQ9_ITEM9_INDEX] if len(answers) > PHQ9_ITEM9_INDEX else None
    valid = isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= 3
    return Item9(answer=raw if valid else None, answered_at=response.authored_at)


def _latest_coded(
    session: Session, patient_id: int, codes: tuple[str, ...]
) -> DatedObservation | None:
    row = session.scalars(
        select(Observation)
        .where(
            Observation.patient_id == patient_id,
            Observation.loinc_code.in_(codes),
            Observation.status.in_(FINAL_STATUSES),
        )
        .order_by(Observation.effective_at.desc(), Observation.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    value = row.value_text if row.value_text is not None else row.value
    return DatedObservation(
        code=row.loinc_code,
        display=row.display,
        on=row.effective_at.date(),
        value=None if value is None else str(value)[:200],
    )


def latest_udt(session: Session, patient_id: int) -> DatedObservation | None:
    return _latest_coded(session, patient_id, codes_of(UDS_SETS))


def latest_pdmp_check(session: Session, patient_id: int) -> DatedObservation | None:
    return _latest_coded(session, patient_id, codes_of(PDMP_SETS))


def _of_class(rows: list[MedicationRequest], drug_class: DrugClass) -> tuple[str, ...]:
    found = []
    for row in rows:
        drug = lookup_rxnorm(row.rxnorm_code)
        if drug is not None and drug.drug_class is drug_class:
            found.append(row.display)
    return tuple(found)


def risk_factors(
    session: Session,
    patient_id: int,
    active: list[MedicationRequest],
    *,
    last_udt: DatedObservation | None,
    last_pdmp_check: DatedObservation | None,
) -> RiskFactors:
    ort = _latest_response(session, patient_id, ORT_INSTRUMENTS)
    return RiskFactors(
        ort=None
        if ort is None
        else OrtScore(ort.questionnaire, ort.total_score, _band(ort.score), ort.authored_at),
        phq9_item9=_item9(_latest_response(session, patient_id, ("phq-9",))),
        benzodiazepines=_of_class(active, DrugClass.benzodiazepine),
        naloxone=tuple(row.display for row in active if is_naloxone(row)),
        last_udt=last_udt,
        last_pdmp_check=last_pdmp_check,
    )


def latest_score(
    session: Session, patient_id: int, instrument: str
) -> QuestionnaireResponse | None:
    """The latest completed response to one instrument (PEG, PHQ-9, GAD-7)."""
    return _latest_response(session, patient_id, (instrument,))
