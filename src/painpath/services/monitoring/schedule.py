"""Questionnaire assignments and their occurrences: when each opens and closes in the patient's
time zone, what is due now, and the log of what happened to each occurrence.

"scheduled" and "missed" events are written as the schedule is read (an occurrence that has
opened gets "scheduled"; one that closed without a response gets "missed"), so the log fills
in without a background job.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.kit.clock import time_zone, utcnow
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.questionnaire_schedule import (
    OccurrenceEvent,
    QuestionnaireAssignment,
    QuestionnaireOccurrenceLog,
)
from painpath.monitoring import instruments
from painpath.schemas.monitoring_questionnaires import (
    AssignmentCreate,
    AssignmentUpdate,
    OccurrenceEventCreate,
)
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.services.monitoring.occurrences import (
    FINAL_EVENTS,
    Occurrence,
    exists,
    latest_index,
    occurrence_state,
    opens_at,
    status_from_log,
    window,
)

#: How many past occurrences a read of the schedule settles ("missed") at most.
SETTLE_OCCURRENCES = 31


def canonical_instrument(instrument: str) -> str:
    """The engine's id for `instrument` ("PHQ9" → "phq-9"); InvalidInput when unknown."""
    try:
        return instruments.definition(instrument).id
    except instruments.InstrumentError as error:
        raise InvalidInput(str(error), field="instrument") from None


def create_assignment(
    session: Session, *, access: PatientAccess, data: AssignmentCreate
) -> QuestionnaireAssignment:
    assignment = QuestionnaireAssignment(
        patient_id=access.patient_id,
        instrument=canonical_instrument(data.instrument),
        recurrence=data.recurrence,
        interval_days=data.days_between(),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        window_minutes=data.window_minutes,
        reminder_minutes=sorted(set(data.reminder_minutes)),
        assigned_by=access.actor.user_id,
    )
    session.add(assignment)
    session.flush()
    access.note_resource(assignment.id)
    return assignment


def get_assignment(
    session: Session, *, access: PatientAccess, assignment_id: int
) -> QuestionnaireAssignment:
    assignment = session.get(QuestionnaireAssignment, assignment_id)
    if assignment is None or assignment.patient_id != access.patient_id:
        raise NotFound(f"assignment {assignment_id} not found for patient {access.patient_id}")
    return assignment


def update_assignment(
    session: Session, *, access: PatientAccess, assignment_id: int, data: AssignmentUpdate
) -> QuestionnaireAssignment:
    assignment = get_assignment(session, access=access, assignment_id=assignment_id)
    changes = data.model_dump(exclude_unset=True)
    ends_at = changes.get("ends_at")
    if ends_at is not None and ends_at <= assignment.starts_at:
        raise InvalidInput("ends_at is not after starts_at", field="ends_at")
    for field, value in changes.items():
        setattr(assignment, field, value)
    session.flush()
    return assignment


def list_assignments(
    session: Session, *, access: PatientAccess, active_only: bool = False
) -> list[QuestionnaireAssignment]:
    query = select(QuestionnaireAssignment).where(
        QuestionnaireAssignment.patient_id == access.patient_id
    )
    if active_only:
        query = query.where(QuestionnaireAssignment.active.is_(True))
    return list(session.scalars(query.order_by(QuestionnaireAssignment.id)))


def occurrence_log(
    session: Session, *, access: PatientAccess, assignment_id: int
) -> list[QuestionnaireOccurrenceLog]:
    get_assignment(session, access=access, assignment_id=assignment_id)
    query = (
        select(QuestionnaireOccurrenceLog)
        .where(QuestionnaireOccurrenceLog.assignment_id == assignment_id)
        .order_by(QuestionnaireOccurrenceLog.occurrence, QuestionnaireOccurrenceLog.id)
    )
    return list(session.scalars(query))


def _events(
    session: Session, assignment_id: int, first: int, last: int
) -> dict[int, list[QuestionnaireOccurrenceLog]]:
    query = (
        select(QuestionnaireOccurrenceLog)
        .where(
            QuestionnaireOccurrenceLog.assignment_id == assignment_id,
            QuestionnaireOccurrenceLog.occurrence.between(first, last),
        )
        .order_by(QuestionnaireOccurrenceLog.id)
    )
    found: dict[int, list[QuestionnaireOccurrenceLog]] = {}
    for row in session.scalars(query):
        found.setdefault(row.occurrence, []).append(row)
    return found


def _log(
    session: Session,
    assignment: QuestionnaireAssignment,
    index: int,
    event: OccurrenceEvent,
    at: datetime,
    **fields: object,
) -> QuestionnaireOccurrenceLog:
    row = QuestionnaireOccurrenceLog(
        patient_id=assignment.patient_id,
        assignment_id=assignment.id,
        occurrence=index,
        event=event,
        at=at,
        **fields,
    )
    session.add(row)
    return row


def _settle(
    session: Session, assignment: QuestionnaireAssignment, zone: ZoneInfo, now: datetime
) -> Occurrence | None:
    """Log "scheduled" and "missed" up to now; the occurrence open now, if any."""
    last = latest_index(assignment, now, zone)
    if last < 0:
        return None
    first = max(0, last - SETTLE_OCCURRENCES + 1)
    events = _events(session, assignment.id, first, last)
    current = None
    for index in range(first, last + 1):
        start, end = window(assignment, index, zone)
        if end <= assignment.created_at:
            continue  # closed before anyone assigned it
        logged = events.setdefault(index, [])
        if not logged:
            logged.append(_log(session, assignment, index, OccurrenceEvent.scheduled, start))
        closed = end <= now
        if closed and not {row.event for row in logged} & FINAL_EVENTS:
            logged.append(_log(session, assignment, index, OccurrenceEvent.missed, end))
        if not closed:
            current = occurrence_state(assignment, index, zone, logged, now)
    session.flush()
    return current


def due_occurrences(
    session: Session, *, access: PatientAccess, now: datetime | None = None
) -> list[Occurrence]:
    """The occurrences open now for the patient's active assignments (completed ones too, with
    `due_now` false), soonest closing first."""
    moment = now or utcnow()
    zone = time_zone(access.patient.time_zone)
    found = []
    for assignment in list_assignments(session, access=access, active_only=True):
        if (current := _settle(session, assignment, zone, moment)) is not None:
            found.append(current)
    return sorted(found, key=lambda o: (o.closes_at, o.assignment.id))


def record_event(
    session: Session,
    *,
    access: PatientAccess,
    assignment_id: int,
    index: int,
    data: OccurrenceEventCreate,
) -> QuestionnaireOccurrenceLog:
    """Log delivered, opened or snoozed for an occurrence that is open (or about to be)."""
    assignment = get_assignment(session, access=access, assignment_id=assignment_id)
    zone = time_zone(access.patient.time_zone)
    if not exists(assignment, index, zone):
        raise NotFound(f"assignment {assignment_id} has no occurrence {index}")
    start, end = window(assignment, index, zone)
    at = data.at or utcnow()
    if at >= end:
        raise InvalidInput(f"occurrence {index} closed at {end.isoformat()}", field="at")
    logged = _events(session, assignment.id, index, index).get(index, [])
    if {row.event for row in logged} & FINAL_EVENTS:
        raise Conflict(f"occurrence {index} is already {status_from_log(logged).value}")
    if data.snooze_until is not None and not at < data.snooze_until <= end:
        raise InvalidInput(
            f"snooze_until must fall after `at` and by the close ({end.isoformat()})",
            field="snooze_until",
        )
    if not logged:
        _log(session, assignment, index, OccurrenceEvent.scheduled, start)
    row = _log(
        session,
        assignment,
        index,
        OccurrenceEvent(data.event),
        at,
        snooze_until=data.snooze_until,
        user_id=access.actor.user_id,
    )
    session.flush()
    access.note_resource(assignment.id)
    return row


def _open_occurrence(
    session: Session, response: QuestionnaireResponse, zone: ZoneInfo
) -> tuple[QuestionnaireAssignment, int] | None:
    """The active assignment occurrence of this instrument whose window holds authored_at."""
    query = (
        select(QuestionnaireAssignment)
        .where(
            QuestionnaireAssignment.patient_id == response.patient_id,
            QuestionnaireAssignment.instrument == response.questionnaire,
            QuestionnaireAssignment.active.is_(True),
        )
        .order_by(QuestionnaireAssignment.id)
    )
    for assignment in session.scalars(query):
        index = latest_index(assignment, response.authored_at, zone)
        if index < 0:
            continue
        _, end = window(assignment, index, zone)
        logged = _events(session, assignment.id, index, index).get(index, [])
        if response.authored_at < end and OccurrenceEvent.completed not in {
            row.event for row in logged
        }:
            return assignment, index
    return None


def complete_occurrence(
    session: Session,
    *,
    access: PatientAccess,
    response: QuestionnaireResponse,
    assignment_id: int | None,
    index: int | None,
) -> None:
    """Mark the occurrence the response answers as completed (given, or found by instrument
    and time); a response that matches none is stored all the same."""
    zone = time_zone(access.patient.time_zone)
    if assignment_id is not None and index is not None:
        assignment = get_assignment(session, access=access, assignment_id=assignment_id)
        if assignment.instrument != response.questionnaire:
            raise InvalidInput(
                f"assignment {assignment_id} is for {assignment.instrument}", field="assignment_id"
            )
        if not exists(assignment, index, zone):
            raise InvalidInput(f"assignment has no occurrence {index}", field="occurrence")
        logged = _events(session, assignment.id, index, index).get(index, [])
        if OccurrenceEvent.completed in {row.event for row in logged}:
            raise Conflict(f"occurrence {index} is already completed", field="occurrence")
        found: tuple[QuestionnaireAssignment, int] | None = (assignment, index)
    else:
        found = _open_occurrence(session, response, zone)
    if found is None:
        return
    assignment, index = found
    response.assignment_id = assignment.id
    response.occurrence = index
    if not _events(session, assignment.id, index, index):
        _log(
            session, assignment, index, OccurrenceEvent.scheduled, opens_at(assignment, index, zone)
        )
    _log(
        session,
        assignment,
        index,
        OccurrenceEvent.completed,
        response.authored_at,
        response_id=response.id,
        user_id=access.actor.user_id,
    )
    session.flush()
