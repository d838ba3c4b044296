"""Questionnaires for the patient: what is due now, and a form to answer one.

Answers are scored by the instruments engine through the questionnaire service; a refusal comes
back on the form with the engine's message naming the item. An urgent answer (PHQ-9 item 9
above 0) raises an urgent alert in the same transaction (see `questionnaire_result` for the
page after); a refused form with such an answer shows the crisis lines at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.kit.clock import utcnow
from painpath.models.audit_event import AuditOutcome
from painpath.models.questionnaire_schedule import OccurrenceEvent
from painpath.monitoring import instruments
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.monitoring_questionnaires import QuestionnaireResponseCreate
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput
from painpath.services.monitoring import questionnaires as monitoring_questionnaires
from painpath.services.monitoring import schedule as monitoring_schedule
from painpath.services.monitoring.occurrences import Occurrence
from painpath.web.deps import SessionDep, access
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.form_access import form_access
from painpath.web.ui.local_time import patient_zone, short_local
from painpath.web.ui.questionnaire_form import (
    FIELD_PREFIX,
    parse_answers,
    questions,
    urgent_flags,
)
from painpath.web.ui.questionnaire_result import DONE
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

logger = logging.getLogger(__name__)
DUE = "/patients/{patient_id}/questionnaires"
ANSWER = DUE + "/{assignment_id}/occurrences/{occurrence}"
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
OccurrenceIndex = Annotated[int, Path(ge=0, le=100_000)]
Reader = Annotated[PatientAccess, access(Permission.observation_read, "QuestionnaireAssignment")]
Writer = Annotated[
    PatientAccess, form_access(Permission.observation_write, "QuestionnaireResponse")
]


@dataclass(frozen=True, slots=True)
class DueItem:
    occurrence: Occurrence
    definition: instruments.Definition
    closes: str
    snoozed_until: str | None
    answer_link: str | None


async def posted_answers(request: Request) -> dict[str, str]:
    """The form's `item-<id>` fields (FastAPI has already read and cached the form)."""
    form = await request.form()
    return {
        key: value
        for key, value in form.multi_items()
        if key.startswith(FIELD_PREFIX) and isinstance(value, str)
    }


PostedAnswers = Annotated[dict[str, str], Depends(posted_answers)]


def due_items(session: Session, grant: PatientAccess) -> list[DueItem]:
    zone = patient_zone(grant.patient.time_zone)
    found = []
    for occurrence in monitoring_schedule.due_occurrences(session, access=grant):
        open_now = occurrence.status not in (OccurrenceEvent.completed, OccurrenceEvent.missed)
        link = ANSWER.format(
            patient_id=grant.patient_id,
            assignment_id=occurrence.assignment.id,
            occurrence=occurrence.index,
        )
        try:
            definition = instruments.definition(occurrence.assignment.instrument)
        except instruments.InstrumentError:
            # A stored assignment this release cannot show (stored rows are hostile): no form.
            logger.warning(
                "assignment %s names unknown instrument %r",
                occurrence.assignment.id,
                occurrence.assignment.instrument[:64],
            )
            continue
        found.append(
            DueItem(
                occurrence=occurrence,
                definition=definition,
                closes=short_local(occurrence.closes_at, zone),
                snoozed_until=short_local(occurrence.snoozed_until, zone)
                if occurrence.snoozed_until
                else None,
                answer_link=link if open_now else None,
            )
        )
    return found


def _open_occurrence(
    session: Session, grant: PatientAccess, assignment_id: int, index: int
) -> DueItem | None:
    for item in due_items(session, grant):
        occurrence = item.occurrence
        if occurrence.assignment.id == assignment_id and occurrence.index == index:
            return item if item.answer_link else None
    return None


@router.get(DUE)
def due_page(request: Request, grant: Reader, viewer: ViewerDep, session: SessionDep) -> Response:
    grant.event.detail = "due questionnaires page"
    items = due_items(session, grant)
    return render(
        request,
        "questionnaires_due.html",
        viewer=viewer,
        patient=grant.patient,
        due=[item for item in items if item.answer_link],
        done=[item for item in items if not item.answer_link],
    )


def _form_page(
    request: Request,
    grant: PatientAccess,
    viewer: Viewer,
    item: DueItem,
    *,
    answers: Mapping[str, str] | None = None,
    client_id: str = "",
    error: str | None = None,
    unanswered: frozenset[str] = frozenset(),
    urgent: bool = False,
) -> Response:
    return render(
        request,
        "questionnaire_form.html",
        viewer=viewer,
        status_code=422 if error else 200,
        patient=grant.patient,
        item=item,
        questions=questions(item.definition),
        answers=answers or {},
        client_id=client_id or uuid.uuid4().hex,
        error=error,
        unanswered=unanswered,
        urgent=urgent,
    )


def _gone(request: Request, patient_id: int, message: str) -> Response:
    request.session["flash"] = message
    return RedirectResponse(DUE.format(patient_id=patient_id), status_code=303)


@router.get(ANSWER)
def answer_form(
    request: Request,
    assignment_id: RowId,
    occurrence: OccurrenceIndex,
    grant: Reader,
    viewer: ViewerDep,
    session: SessionDep,
) -> Response:
    item = _open_occurrence(session, grant, assignment_id, occurrence)
    if item is None:
        return _gone(request, grant.patient_id, "That questionnaire is no longer open.")
    grant.event.detail = f"questionnaire form: {item.definition.id} occurrence {occurrence}"
    return _form_page(request, grant, viewer, item)


@router.post(ANSWER)
def submit_answers(
    request: Request,
    assignment_id: RowId,
    occurrence: OccurrenceIndex,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    posted: PostedAnswers,
    client_id: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Score and store the answers, then show the page after; a refusal shows the form again."""
    item = _open_occurrence(session, grant, assignment_id, occurrence)
    if item is None:
        return _gone(request, grant.patient_id, "That questionnaire is no longer open.")
    definition = item.definition
    parsed = parse_answers(definition, posted)
    error = parsed.error
    if error is None:
        data = QuestionnaireResponseCreate(
            instrument=definition.id,
            answers=list(parsed.values),
            authored_at=utcnow(),
            client_id=client_id or None,
            assignment_id=assignment_id,
            occurrence=occurrence,
        )
        try:
            row, _ = monitoring_questionnaires.record_response(session, access=grant, data=data)
        except Conflict as refusal:
            session.rollback()
            grant.event.outcome = AuditOutcome.failure
            grant.event.resource_id = str(assignment_id)
            grant.event.detail = f"answers refused: {refusal.detail}"[:500]
            return _gone(request, grant.patient_id, "That questionnaire was already answered.")
        except InvalidInput as refusal:
            session.rollback()
            error = refusal.detail
        else:
            return RedirectResponse(
                DONE.format(patient_id=grant.patient_id, response_id=row.id), status_code=303
            )
    grant.event.outcome = AuditOutcome.failure
    grant.event.resource_id = str(assignment_id)
    grant.event.detail = f"answers refused: {error}"[:500]
    unanswered = frozenset(
        entry.id
        for entry, value in zip(definition.items, parsed.values, strict=False)
        if value is None
    )
    return _form_page(
        request,
        grant,
        viewer,
        item,
        answers=posted,
        client_id=client_id,
        error=error,
        unanswered=unanswered,
        urgent=bool(urgent_flags(definition, parsed.values)) if parsed.error is None else False,
    )
