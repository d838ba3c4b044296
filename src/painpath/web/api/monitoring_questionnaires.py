"""Questionnaires on a patient's record: assignments and their schedule, what is due now, the
occurrence log (delivered, opened, snoozed), and scored responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID, Identifier, Page
from painpath.schemas.monitoring_questionnaires import (
    AssignmentCreate,
    AssignmentRead,
    AssignmentUpdate,
    OccurrenceEventCreate,
    OccurrenceLogRead,
    OccurrenceRead,
    QuestionnaireResponseCreate,
    QuestionnaireResponseRead,
)
from painpath.services.access import PatientAccess
from painpath.services.monitoring import questionnaires as monitoring_questionnaires
from painpath.services.monitoring import schedule as monitoring_schedule
from painpath.services.monitoring.occurrences import Occurrence
from painpath.web.deps import PageDep, SessionDep, access

router = APIRouter(prefix="/patients/{patient_id}", tags=["questionnaires"])

RowIdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
OccurrenceIndex = Annotated[int, Path(ge=0, le=100_000)]
Reader = Annotated[PatientAccess, access(Permission.observation_read, "QuestionnaireAssignment")]
Assigner = Annotated[
    PatientAccess, access(Permission.questionnaire_assign, "QuestionnaireAssignment")
]
Reporter = Annotated[PatientAccess, access(Permission.observation_write, "QuestionnaireAssignment")]
ResponseReader = Annotated[
    PatientAccess, access(Permission.observation_read, "QuestionnaireResponse")
]
ResponseWriter = Annotated[
    PatientAccess, access(Permission.observation_write, "QuestionnaireResponse")
]
ASSIGNMENTS = "/questionnaire-assignments"
RESPONSES = "/questionnaire-responses"


def _occurrence(found: Occurrence) -> OccurrenceRead:
    return OccurrenceRead(
        assignment_id=found.assignment.id,
        instrument=found.assignment.instrument,
        occurrence=found.index,
        opens_at=found.opens_at,
        closes_at=found.closes_at,
        status=found.status,
        snoozed_until=found.snoozed_until,
        next_reminder_at=found.next_reminder_at,
        due_now=found.due_now,
    )


@router.post(ASSIGNMENTS, response_model=AssignmentRead, status_code=201)
def create_assignment(
    body: AssignmentCreate, grant: Assigner, session: SessionDep
) -> AssignmentRead:
    """Ask the patient to fill in an instrument once or on a recurring schedule."""
    row = monitoring_schedule.create_assignment(session, access=grant, data=body)
    return AssignmentRead.model_validate(row)


@router.get(ASSIGNMENTS, response_model=list[AssignmentRead])
def list_assignments(
    grant: Reader,
    session: SessionDep,
    active: Annotated[bool, Query(description="only active ones")] = False,
) -> list[AssignmentRead]:
    rows = monitoring_schedule.list_assignments(session, access=grant, active_only=active)
    return [AssignmentRead.model_validate(row) for row in rows]


@router.patch(ASSIGNMENTS + "/{assignment_id}", response_model=AssignmentRead)
def update_assignment(
    assignment_id: RowIdPath, body: AssignmentUpdate, grant: Assigner, session: SessionDep
) -> AssignmentRead:
    """Pause or stop an assignment (`active`), or set when it ends."""
    row = monitoring_schedule.update_assignment(
        session, access=grant, assignment_id=assignment_id, data=body
    )
    return AssignmentRead.model_validate(row)


@router.get(ASSIGNMENTS + "/{assignment_id}/log", response_model=list[OccurrenceLogRead])
def occurrence_log(
    assignment_id: RowIdPath, grant: Reader, session: SessionDep
) -> list[OccurrenceLogRead]:
    """Every event of every occurrence: scheduled, delivered, opened, snoozed, completed, missed."""
    rows = monitoring_schedule.occurrence_log(session, access=grant, assignment_id=assignment_id)
    return [OccurrenceLogRead.model_validate(row) for row in rows]


@router.post(
    ASSIGNMENTS + "/{assignment_id}/occurrences/{occurrence}/events",
    response_model=OccurrenceLogRead,
    status_code=201,
)
def record_event(
    assignment_id: RowIdPath,
    occurrence: OccurrenceIndex,
    body: OccurrenceEventCreate,
    grant: Reporter,
    session: SessionDep,
) -> OccurrenceLogRead:
    """The device delivered or opened an occurrence, or the patient snoozed it until later."""
    row = monitoring_schedule.record_event(
        session, access=grant, assignment_id=assignment_id, index=occurrence, data=body
    )
    return OccurrenceLogRead.model_validate(row)


@router.get("/questionnaires/due", response_model=list[OccurrenceRead])
def due_now(grant: Reader, session: SessionDep) -> list[OccurrenceRead]:
    """What is open now: each active assignment's current occurrence, soonest closing first."""
    return [
        _occurrence(found) for found in monitoring_schedule.due_occurrences(session, access=grant)
    ]


@router.post(RESPONSES, response_model=QuestionnaireResponseRead, status_code=201)
def add_response(
    body: QuestionnaireResponseCreate,
    grant: ResponseWriter,
    session: SessionDep,
    response: Response,
) -> QuestionnaireResponseRead:
    """Score and store answers; the occurrence they answer is completed, and an urgent flag
    (PHQ-9 item 9) raises an urgent alert. A repeated client_id returns the stored one (200)."""
    row, created = monitoring_questionnaires.record_response(session, access=grant, data=body)
    if not created:
        response.status_code = 200
    return QuestionnaireResponseRead.model_validate(row)


@router.get(RESPONSES, response_model=Page[QuestionnaireResponseRead])
def list_responses(
    grant: ResponseReader,
    session: SessionDep,
    page: PageDep,
    instrument: Annotated[Identifier | None, Query()] = None,
) -> Page[QuestionnaireResponseRead]:
    rows, total = monitoring_questionnaires.list_responses(
        session, access=grant, page=page, instrument=instrument
    )
    items = [QuestionnaireResponseRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(RESPONSES + "/{response_id}", response_model=QuestionnaireResponseRead)
def read_response(
    response_id: RowIdPath, grant: ResponseReader, session: SessionDep
) -> QuestionnaireResponseRead:
    row = monitoring_questionnaires.get_response(session, access=grant, response_id=response_id)
    return QuestionnaireResponseRead.model_validate(row)
