"""A synthetic patient with everything the clinician's pain summary shows: opioids with a known
MME (oxycodone 10 mg every 6 h as needed = 60, morphine 15 mg every 12 h = 30: 90 MME/day by the
CDC 2022 factors), a benzodiazepine, a stopped tramadol (a therapy band and MME history), a CYP2D6
intermediate metabolizer on duloxetine (phenoconversion), diary pain, PEG/PHQ-9/GAD-7/ORT
answers, wearable days, fills and as-needed doses, a urine drug test and a PDMP check.

Dates are relative to the patient's own today (America/Chicago), never the machine's date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from painpath.models import (
    CareTeam,
    CareTeamParticipant,
    Condition,
    ConditionStatus,
    GenotypeResult,
    MedicationRequest,
    MedicationRequestStatus,
    Observation,
    ObservationStatus,
    Patient,
)
from painpath.models.condition import ConditionCodeSystem
from painpath.models.enums import AdministrativeGender
from painpath.models.medication import MedicationAdministration, PeriodUnit
from painpath.models.medication_fill import MedicationFill
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.wearable import WearableDay
from painpath.services.transaction import unit_of_work
from tests.support.cohort import Cast

ZONE = ZoneInfo("America/Chicago")
MRN = "SUM-1"
UDT_LOINC = "19295-5"  # in the CDC Opioid CDS urine drug screening value sets (opiates)
PDMP_SNOMED = "461651000124104"  # PDMP data reviewed (CDC Opioid CDS IG value set)
#: Days ago → diary pain.
DIARY = {1: 7, 2: 6, 3: 8, 5: 5, 8: 6, 12: 4, 20: 7, 35: 8}
#: Days ago → PEG total.
PEG = {4: 6.3, 18: 7.0, 40: 7.7}
#: Days ago → (steps, sleep minutes).
WEARABLE = {1: (4200, 390), 2: (5100, 420), 3: (3900, 360), 6: (6100, 450)}
PRN_DOSES = {1: 3, 2: 4, 4: 2}  # days ago → oxycodone doses taken as needed


@dataclass(frozen=True)
class SummaryPatient:
    patient_id: int
    today: date
    oxycodone_id: int
    morphine_id: int


def patient_today() -> date:
    return datetime.now(ZONE).date()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), ZONE)


def _request(
    patient_id: int,
    code: str,
    display: str,
    dose: float,
    every_h: float,
    start: date,
    *,
    prn: bool = False,
    status: MedicationRequestStatus = MedicationRequestStatus.active,
    end: date | None = None,
    days_supply: int | None = 30,
) -> MedicationRequest:
    return MedicationRequest(
        patient_id=patient_id,
        rxnorm_code=code,
        display=display,
        status=status,
        dose_value=dose,
        dose_unit="mg",
        frequency=1,
        period=every_h,
        period_unit=PeriodUnit.hour,
        as_needed=prn,
        start_date=start,
        end_date=end,
        days_supply=days_supply,
    )


def seed_summary_patient(
    session_factory: sessionmaker[Session], cast: Cast, *, today: date | None = None
) -> SummaryPatient:
    today = today or patient_today()
    with unit_of_work(session_factory) as session:
        patient = Patient(
            mrn=MRN,
            given_name="Sumi",
            family_name="Synthetic",
            birth_date=date(1968, 2, 3),
            gender=AdministrativeGender.female,
            time_zone="America/Chicago",
        )
        session.add(patient)
        session.flush()
        pid = patient.id
        team = CareTeam(patient_id=pid, name="Summary team")
        for role in ("clinician", "pharmacist"):
            team.participants.append(CareTeamParticipant(user_id=cast.user_ids[role]))
        session.add(team)
        oxycodone = _request(pid, "7804", "oxycodone 10 mg", 10, 6, today - timedelta(60), prn=True)
        morphine = _request(
            pid, "7052", "morphine extended-release 15 mg", 15, 12, today - timedelta(20)
        )
        session.add_all(
            [
                oxycodone,
                morphine,
                _request(pid, "596", "alprazolam 0.5 mg", 0.5, 8, today - timedelta(60)),
                _request(
                    pid, "72625", "duloxetine 60 mg", 60, 24, today - timedelta(60), days_supply=90
                ),
                _request(
                    pid,
                    "10689",
                    "tramadol 50 mg",
                    50,
                    6,
                    today - timedelta(80),
                    status=MedicationRequestStatus.stopped,
                    end=today - timedelta(50),
                ),
                Condition(
                    patient_id=pid,
                    code_system=ConditionCodeSystem.icd10cm,
                    code="M54.50",
                    display="Low back pain, unspecified",
                    clinical_status=ConditionStatus.active,
                    onset_date=date(2020, 1, 1),
                ),
                GenotypeResult(
                    patient_id=pid,
                    gene="CYP2D6",
                    diplotype="*1/*4",
                    phenotype="Intermediate Metabolizer",
                    activity_score=1.0,
                    source="synthetic",
                    knowledge_version="test-1",
                ),
                Observation(
                    patient_id=pid,
                    status=ObservationStatus.final,
                    category="laboratory",
                    loinc_code=UDT_LOINC,
                    display="Opiates urine screen",
                    value_text="negative",
                    effective_at=_at(today - timedelta(40)),
                ),
                Observation(
                    patient_id=pid,
                    status=ObservationStatus.final,
                    category="procedure",
                    loinc_code=PDMP_SNOMED,
                    display="PDMP data reviewed",
                    value_text="reviewed",
                    effective_at=_at(today - timedelta(10)),
                ),
            ]
        )
        session.flush()
        for days_ago, pain in DIARY.items():
            day = today - timedelta(days_ago)
            session.add(
                PainDiaryEntry(patient_id=pid, local_date=day, recorded_at=_at(day, 20), pain=pain)
            )
        for days_ago, total in PEG.items():
            session.add(
                QuestionnaireResponse(
                    patient_id=pid,
                    questionnaire="peg",
                    status="completed",
                    authored_at=_at(today - timedelta(days_ago)),
                    answers=[7, 6, 6],
                    total_score=total,
                    score={"band": None},
                )
            )
        session.add_all(
            [
                QuestionnaireResponse(
                    patient_id=pid,
                    questionnaire="phq-9",
                    status="completed",
                    authored_at=_at(today - timedelta(6)),
                    answers=[1, 2, 1, 2, 1, 0, 1, 0, 1],
                    total_score=9,
                    score={"band": "mild"},
                ),
                QuestionnaireResponse(
                    patient_id=pid,
                    questionnaire="gad-7",
                    status="completed",
                    authored_at=_at(today - timedelta(6)),
                    answers=[1, 1, 1, 1, 0, 1, 1],
                    total_score=6,
                    score={"band": "mild"},
                ),
                QuestionnaireResponse(
                    patient_id=pid,
                    questionnaire="ort",
                    status="completed",
                    authored_at=_at(today - timedelta(90)),
                    answers=[0] * 10,
                    total_score=4,
                    score={"band": "moderate"},
                ),
            ]
        )
        for days_ago, (steps, sleep) in WEARABLE.items():
            session.add(
                WearableDay(
                    patient_id=pid,
                    day=today - timedelta(days_ago),
                    steps=steps,
                    sleep_minutes=sleep,
                    heart_rate_samples=0,
                )
            )
        for n, days_ago in enumerate((58, 28)):
            session.add(
                MedicationFill(
                    patient_id=pid,
                    medication_request_id=oxycodone.id,
                    rxnorm_code="7804",
                    drug="oxycodone",
                    drug_class="opioid",
                    fill_date=today - timedelta(days_ago),
                    days_supply=30,
                    client_id=f"fill-{n}",
                )
            )
        for days_ago, count in PRN_DOSES.items():
            for dose in range(count):
                session.add(
                    MedicationAdministration(
                        patient_id=pid,
                        medication_request_id=oxycodone.id,
                        effective_at=_at(today - timedelta(days_ago), 8 + 4 * dose),
                        dose_value=10,
                        dose_unit="mg",
                        status="completed",
                        as_needed=True,
                    )
                )
        session.flush()
        return SummaryPatient(pid, today, oxycodone.id, morphine.id)
