"""A small synthetic record for the cast's patients: what the summary page has to show.

Each patient gets words no other patient has, so a page can be checked for leaks by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from painpath.kit.clock import utcnow
from painpath.models import (
    Condition,
    ConditionStatus,
    GenotypeResult,
    MedicationRequest,
    MedicationRequestStatus,
    Observation,
    ObservationStatus,
)
from painpath.models.condition import ConditionCodeSystem
from painpath.models.medication import PeriodUnit
from painpath.services.transaction import unit_of_work
from tests.support.cohort import Cast

PAIN_SCORE_LOINC = "72514-3"


@dataclass(frozen=True)
class RecordText:
    """Strings the home patient's page must show, and the foreign patient's that it must not."""

    home_condition: str = "Chronic low back pain"
    resolved_condition: str = "Ankle sprain"
    home_prn_sig: str = "5 mg every 6 h as needed"
    home_scheduled_sig: str = "300 mg 3 times daily"
    stopped_medicine: str = "tramadol"
    home_gene: str = "CYP2D6"
    home_phenotype: str = "Intermediate Metabolizer"
    foreign_condition: str = "Fibromyalgia"
    foreign_medicine: str = "duloxetine"
    foreign_gene: str = "CYP2C19"


TEXT = RecordText()
# Pain scores for the home patient, newest first: (days ago, score).
HOME_PAIN_SCORES = ((1, 6.0), (3, 7.0), (8, 5.0), (15, 8.0), (29, 4.0))
OLD_PAIN_SCORE = (45, 9.0)  # outside the 30-day window


def _condition(patient_id: int, code: str, display: str, status: ConditionStatus) -> Condition:
    return Condition(
        patient_id=patient_id,
        code_system=ConditionCodeSystem.icd10cm,
        code=code,
        display=display,
        clinical_status=status,
        onset_date=date(2019, 3, 1),
        abatement_date=date(2019, 5, 1) if status is ConditionStatus.resolved else None,
    )


def _medicine(
    patient_id: int,
    rxnorm_code: str,
    display: str,
    dose: float,
    *,
    frequency: int = 1,
    period: float = 1,
    period_unit: PeriodUnit = PeriodUnit.day,
    as_needed: bool = False,
    status: MedicationRequestStatus = MedicationRequestStatus.active,
) -> MedicationRequest:
    return MedicationRequest(
        patient_id=patient_id,
        rxnorm_code=rxnorm_code,
        display=display,
        status=status,
        dose_value=dose,
        dose_unit="mg",
        frequency=frequency,
        period=period,
        period_unit=period_unit,
        as_needed=as_needed,
        start_date=date(2026, 1, 15),
    )


def _pain(patient_id: int, days_ago: int, score: float) -> Observation:
    return Observation(
        patient_id=patient_id,
        status=ObservationStatus.final,
        category="survey",
        loinc_code=PAIN_SCORE_LOINC,
        display="Pain severity 0-10",
        value=score,
        unit="{score}",
        effective_at=utcnow() - timedelta(days=days_ago, hours=2),
        source_device="diary",
    )


def seed_clinical_record(session_factory: sessionmaker[Session], cast: Cast) -> None:
    home, foreign = cast.home_patient_id, cast.foreign_patient_id
    with unit_of_work(session_factory) as session:
        session.add_all(
            [
                _condition(home, "M54.50", TEXT.home_condition, ConditionStatus.active),
                _condition(home, "S93.401", TEXT.resolved_condition, ConditionStatus.resolved),
                _medicine(
                    home,
                    "7804",
                    "oxycodone",
                    5,
                    period=6,
                    period_unit=PeriodUnit.hour,
                    as_needed=True,
                ),
                _medicine(home, "25480", "gabapentin", 300, frequency=3),
                _medicine(
                    home,
                    "10689",
                    TEXT.stopped_medicine,
                    50,
                    status=MedicationRequestStatus.stopped,
                ),
                GenotypeResult(
                    patient_id=home,
                    gene=TEXT.home_gene,
                    diplotype="*1/*4",
                    phenotype=TEXT.home_phenotype,
                    activity_score=1.0,
                    source="synthetic",
                    knowledge_version="test-1",
                ),
                *(_pain(home, days, score) for days, score in HOME_PAIN_SCORES),
                _pain(home, *OLD_PAIN_SCORE),
                _condition(foreign, "M79.7", TEXT.foreign_condition, ConditionStatus.active),
                _medicine(foreign, "72625", TEXT.foreign_medicine, 60),
                GenotypeResult(
                    patient_id=foreign,
                    gene=TEXT.foreign_gene,
                    diplotype="*2/*2",
                    phenotype="Poor Metabolizer",
                    activity_score=0.0,
                    source="synthetic",
                    knowledge_version="test-1",
                ),
                _pain(foreign, 2, 3.0),
            ]
        )
