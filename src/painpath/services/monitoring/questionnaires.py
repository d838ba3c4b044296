"""Questionnaire responses: score with the instruments engine, store the score with the answers,
complete the schedule occurrence they answer, and raise an urgent alert in the same transaction
when the score carries an urgent flag (PHQ-9 item 9 above 0, whatever the total)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.kit.clock import time_zone
from painpath.kit.pagination import PageRequest
from painpath.models.enums import AdministrativeGender
from painpath.models.patient import Patient
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.monitoring import instruments
from painpath.monitoring.alerts import (
    PHQ9_ITEM9_FLAG,
    AlertCandidate,
    PatientSnapshot,
    QuestionnaireResult,
    Severity,
    evaluate_alerts,
)
from painpath.schemas.monitoring_questionnaires import QuestionnaireResponseCreate
from painpath.services.access import PatientAccess
from painpath.services.care.plans.goals import evaluate_goals
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.services.monitoring.alerts import raise_alerts
from painpath.services.monitoring.schedule import canonical_instrument, complete_occurrence

#: The alert rule that owns PHQ-9 item 9 (painpath.monitoring.alerts knowledge).
PHQ9_ITEM9_RULE = "phq9_item9"


def _sex(patient: Patient) -> str | None:
    if patient.gender in (AdministrativeGender.female, AdministrativeGender.male):
        return patient.gender.value
    return None


def score_answers(patient: Patient, instrument: str, answers: list[Any]) -> dict[str, Any]:
    """The engine's score JSON; InvalidInput naming the item when the engine refuses."""
    try:
        result = instruments.score(instrument, answers, sex=_sex(patient))
    except instruments.InstrumentError as error:
        raise InvalidInput(str(error), field="answers") from None
    return result.as_json()


def _urgent_candidates(
    patient: Patient, response: QuestionnaireResponse, score: dict[str, Any]
) -> list[AlertCandidate]:
    """Alert candidates for the urgent flags on one score, from the alert rules where a rule owns
    the flag (PHQ-9 item 9), else one urgent alert per flag."""
    urgent = [flag for flag in score.get("flags", []) if flag.get("severity") == "urgent"]
    if not urgent:
        return []
    day = response.authored_at.astimezone(time_zone(patient.time_zone)).date()
    result = QuestionnaireResult(
        instrument=response.questionnaire,
        day=day,
        score=response.total_score,
        flags=tuple(str(flag["code"]) for flag in urgent),
        response_id=str(response.id),
    )
    snapshot = PatientSnapshot(
        patient_id=str(patient.id), time_zone=patient.time_zone, questionnaires=(result,)
    )
    found = [c for c in evaluate_alerts(snapshot, day) if c.rule_id == PHQ9_ITEM9_RULE]
    owned = {PHQ9_ITEM9_FLAG} if found else set()
    for flag in urgent:
        if flag["code"] in owned:
            continue
        found.append(
            AlertCandidate(
                rule_id=f"questionnaire:{flag['code']}",
                severity=Severity.urgent,
                dedup_key=f"{patient.id}:questionnaire:{flag['code']}:{response.id}",
                title=f"{response.questionnaire}: urgent answer",
                message=str(flag.get("text", flag["code"])),
                evidence={"instrument": response.questionnaire, "score": score, "flag": flag},
                window_start=day,
                window_end=day,
            )
        )
    return found


def find_by_client_id(
    session: Session, *, patient_id: int, client_id: str
) -> QuestionnaireResponse | None:
    return session.scalar(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.client_id == client_id,
        )
    )


def record_response(
    session: Session, *, access: PatientAccess, data: QuestionnaireResponseCreate
) -> tuple[QuestionnaireResponse, bool]:
    """Score and store a response; a repeat of a known client_id returns the stored one (False)."""
    if data.client_id and (
        existing := find_by_client_id(
            session, patient_id=access.patient_id, client_id=data.client_id
        )
    ):
        access.note_resource(existing.id)
        return existing, False
    instrument = canonical_instrument(data.instrument)
    score = score_answers(access.patient, instrument, list(data.answers))
    total = score.get("score")
    response = QuestionnaireResponse(
        patient_id=access.patient_id,
        questionnaire=instrument,
        status="completed",
        authored_at=data.authored_at,
        answers=list(data.answers),
        total_score=float(total) if isinstance(total, int | float) else None,
        score=score,
        client_id=data.client_id,
    )
    session.add(response)
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict("the response conflicts with a stored one", field="client_id") from error
    access.note_resource(response.id)
    complete_occurrence(
        session,
        access=access,
        response=response,
        assignment_id=data.assignment_id,
        index=data.occurrence,
    )
    raise_alerts(
        session,
        access.patient,
        _urgent_candidates(access.patient, response, score),
        actor=access.actor,
    )
    # A PEG goal on the care plan can be met by this response: evaluated in this transaction.
    evaluate_goals(session, access, trigger=f"a {instrument} response")
    return response, True


def list_responses(
    session: Session,
    *,
    access: PatientAccess,
    page: PageRequest,
    instrument: str | None = None,
) -> tuple[list[QuestionnaireResponse], int]:
    query = select(QuestionnaireResponse).where(
        QuestionnaireResponse.patient_id == access.patient_id
    )
    if instrument:
        query = query.where(QuestionnaireResponse.questionnaire == canonical_instrument(instrument))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(QuestionnaireResponse.authored_at.desc(), QuestionnaireResponse.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(rows), total


def get_response(
    session: Session, *, access: PatientAccess, response_id: int
) -> QuestionnaireResponse:
    response = session.get(QuestionnaireResponse, response_id)
    if response is None or response.patient_id != access.patient_id:
        raise NotFound(f"response {response_id} not found for patient {access.patient_id}")
    return response
