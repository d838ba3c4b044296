"""Monitoring data written straight into the database, as if it had arrived earlier, and the
evaluation run on it: the alert rules are tested on stored rows, not on engine inputs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy.orm import Session

from painpath.models import (
    MedicationAdministration,
    MedicationFill,
    MedicationRequest,
    MedicationRequestStatus,
    Observation,
    ObservationStatus,
    PainDiaryEntry,
    Patient,
    QuestionnaireResponse,
)
from painpath.models.medication import PeriodUnit
from painpath.services.monitoring.evaluation import evaluate_patient
from painpath.services.monitoring.questionnaires import score_answers
from painpath.services.transaction import unit_of_work
from painpath.terminology import lookup_rxnorm

CHICAGO = ZoneInfo("America/Chicago")  # the cast's patients live there


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def at(day: date, hour: int = 20, minute: int = 0) -> datetime:
    """A local wall-clock time on `day` in the patient's zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


@contextmanager
def stored(app: FastAPI) -> Iterator[Session]:
    with unit_of_work(app.state.session_factory) as session:
        yield session


def diary(session: Session, patient_id: int, day: date, pain: int) -> None:
    session.add(
        PainDiaryEntry(
            patient_id=patient_id,
            local_date=day,
            recorded_at=at(day),
            pain=pain,
            client_id=f"diary:{day.isoformat()}:{pain}",
        )
    )


def observation(
    session: Session, patient_id: int, loinc: str, value: float, when: datetime, **extra: Any
) -> None:
    fields: dict[str, Any] = {
        "patient_id": patient_id,
        "status": ObservationStatus.final,
        "category": "activity" if loinc == "41950-7" else "survey",
        "loinc_code": loinc,
        "display": loinc,
        "value": value,
        "unit": "/d" if loinc == "41950-7" else "{score}",
        "effective_at": when,
    }
    session.add(Observation(**(fields | extra)))


def daily_steps(
    session: Session, patient_id: int, day: date, steps: float, *, name: str = "41950-7"
) -> None:
    """As the wearable importer stores its daily aggregates (client id `daily:<code>:<day>`)."""
    observation(
        session,
        patient_id,
        "41950-7",
        steps,
        at(day, 0),
        client_id=f"daily:{name}:{day.isoformat()}",
        modality="sensed",
    )


def response(
    session: Session, patient_id: int, instrument: str, answers: list[Any], when: datetime
) -> int:
    patient = session.get(Patient, patient_id)
    assert patient is not None
    score = score_answers(patient, instrument, answers)
    row = QuestionnaireResponse(
        patient_id=patient_id,
        questionnaire=instrument,
        authored_at=when,
        answers=answers,
        total_score=score.get("score"),
        score=score,
    )
    session.add(row)
    session.flush()
    return row.id


def prescription(
    session: Session,
    patient_id: int,
    rxnorm: str,
    *,
    frequency: int,
    period: float = 1,
    unit: PeriodUnit = PeriodUnit.day,
    as_needed: bool = False,
    start: date = date(2026, 1, 1),
) -> int:
    drug = lookup_rxnorm(rxnorm)
    assert drug is not None
    row = MedicationRequest(
        patient_id=patient_id,
        rxnorm_code=rxnorm,
        display=drug.display,
        status=MedicationRequestStatus.active,
        dose_value=5,
        dose_unit="mg",
        frequency=frequency,
        period=period,
        period_unit=unit,
        as_needed=as_needed,
        start_date=start,
    )
    session.add(row)
    session.flush()
    return row.id


def dose(
    session: Session,
    patient_id: int,
    request_id: int,
    when: datetime,
    *,
    as_needed: bool,
    taken: bool = True,
) -> None:
    session.add(
        MedicationAdministration(
            patient_id=patient_id,
            medication_request_id=request_id,
            effective_at=when,
            dose_value=5,
            dose_unit="mg",
            status="completed" if taken else "not-done",
            as_needed=as_needed,
            client_id=f"dose:{request_id}:{when.isoformat()}",
        )
    )


def fill(
    session: Session,
    patient_id: int,
    rxnorm: str,
    day: date,
    days_supply: int,
    *,
    request_id: int | None = None,
    quantity: float | None = None,
) -> None:
    drug = lookup_rxnorm(rxnorm)
    assert drug is not None
    session.add(
        MedicationFill(
            patient_id=patient_id,
            medication_request_id=request_id,
            rxnorm_code=rxnorm,
            drug=drug.ingredient,
            drug_class=drug.drug_class.value,
            fill_date=day,
            days_supply=days_supply,
            quantity=quantity,
            client_id=f"fill:{rxnorm}:{day.isoformat()}",
        )
    )


def evaluate(app: FastAPI, patient_id: int, today: date) -> list[dict[str, Any]]:
    """Run the evaluation as the daily sweep does; the alerts it opened, as plain dicts."""
    with stored(app) as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        return [
            {
                "rule_id": a.rule_id,
                "severity": a.severity.value,
                "dedup_key": a.dedup_key,
                "evidence": a.evidence,
                "window": (a.window_start, a.window_end),
            }
            for a in evaluate_patient(session, patient, today)
        ]


def by_rule(alerts: list[dict[str, Any]], rule_id: str) -> list[dict[str, Any]]:
    return [a for a in alerts if a["rule_id"] == rule_id]
