"""Courses: create, list, start, end, and the therapies tried they add up to."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.care import knowledge
from painpath.care.workflows import (
    INITIAL,
    TRIED_OUTCOMES,
    CourseState,
    EndReason,
    Family,
    family_of,
)
from painpath.care.workflows.biologics import screening_gate
from painpath.care.workflows.data import workflow_knowledge
from painpath.kit.pagination import PageRequest
from painpath.models.therapy_course import TherapyCourse
from painpath.schemas.therapies import CourseCreate, EndCreate
from painpath.services.access import PatientAccess
from painpath.services.care.therapies.common import (
    family,
    load_course,
    move,
    not_future,
    state,
)
from painpath.services.care.therapies.gates import recorded_results
from painpath.services.errors import Conflict, InvalidInput
from painpath.services.recording import recorder


def create_course(session: Session, *, access: PatientAccess, data: CourseCreate) -> TherapyCourse:
    """Open a course for a therapy, in its family's first state; one open course per therapy."""
    therapies = knowledge().therapies
    if data.therapy not in therapies:
        raise InvalidInput(f"unknown therapy {data.therapy!r} (see docs/care.md)", field="therapy")
    if data.condition is not None and data.condition not in knowledge().conditions:
        raise InvalidInput(f"unknown condition {data.condition!r}", field="condition")
    flow = family_of(data.therapy)
    _check_product(data.therapy, data.product)
    open_course = session.scalars(
        select(TherapyCourse.id).where(
            TherapyCourse.patient_id == access.patient_id,
            TherapyCourse.therapy == data.therapy,
            TherapyCourse.state != CourseState.ended.value,
        )
    ).first()
    if open_course is not None:
        raise Conflict(
            f"the patient already has an open {data.therapy} course ({open_course}); end it first",
            field="therapy",
        )
    course = TherapyCourse(
        patient_id=access.patient_id,
        therapy=data.therapy,
        family=flow.value,
        state=INITIAL[flow].value,
        product=data.product,
        condition=data.condition,
        site=data.site,
        **recorder(access.actor),
    )
    session.add(course)
    session.flush()
    access.note_resource(course.id)
    return course


def _check_product(therapy: str, product: str | None) -> None:
    flows = workflow_knowledge()
    choices: tuple[str, ...] = ()
    if therapy in flows.biologics:
        choices = flows.biologics[therapy].products
    elif therapy in flows.regenerative:
        choices = flows.regenerative[therapy].products
    if product is not None and choices and product not in choices:
        raise InvalidInput(f"product must be one of {', '.join(choices)}", field="product")


def list_courses(
    session: Session, *, access: PatientAccess, page: PageRequest
) -> tuple[list[TherapyCourse], int]:
    where = TherapyCourse.patient_id == access.patient_id
    total = session.scalar(select(func.count()).select_from(TherapyCourse).where(where)) or 0
    rows = session.scalars(
        select(TherapyCourse)
        .where(where)
        .order_by(TherapyCourse.created_at.desc(), TherapyCourse.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(rows), total


def get_course(session: Session, *, access: PatientAccess, course_id: int) -> TherapyCourse:
    return load_course(session, access, course_id)


def start_course(
    session: Session, *, access: PatientAccess, course_id: int, started_on: date
) -> TherapyCourse:
    """Record the start of a biologic (refused until screening is complete and acceptable on
    the start day) or of any other general-workflow therapy."""
    course = load_course(session, access, course_id)
    not_future(access, started_on, "started_on")
    flow = family(course)
    if flow not in (Family.biologic, Family.general):
        raise Conflict(
            f"a {flow.value} course starts with its own step (trial, implant or first injection)",
            field="course_id",
        )
    if flow is Family.biologic and state(course) is CourseState.screening:
        gate = screening_gate(
            course.therapy,
            course.product,
            recorded_results(session, course, "screening"),
            started_on,
        )
        if not gate.complete:
            raise Conflict(
                "biologic start refused, screening incomplete: " + "; ".join(gate.problems),
                field="screening",
            )
    move(course, CourseState.active)
    course.started_on = started_on
    return course


def end_course(
    session: Session, *, access: PatientAccess, course_id: int, data: EndCreate
) -> TherapyCourse:
    course = load_course(session, access, course_id)
    not_future(access, data.ended_on, "ended_on")
    if course.started_on is not None and data.ended_on < course.started_on:
        raise InvalidInput("ended_on is before the course started", field="ended_on")
    move(course, CourseState.ended)
    course.ended_on = data.ended_on
    course.end_reason = data.reason.value
    course.end_note = data.note
    return course


def tried_from_courses(session: Session, patient_id: int) -> list[dict[str, Any]]:
    """Therapies tried, as `care.inputs.Tried` takes them, from courses that ended with an
    outcome the suggestion engine reads (inadequate response, intolerance, loss of response,
    contraindicated). `weeks` is the time from start (or opening) to end.

    The caller has opened the patient through `services.access` (suggestions do); this reads
    only that patient's rows. One entry per therapy: the most recent ending.
    """
    rows = session.scalars(
        select(TherapyCourse)
        .where(
            TherapyCourse.patient_id == patient_id,
            TherapyCourse.state == CourseState.ended.value,
            TherapyCourse.end_reason.in_([r.value for r in TRIED_OUTCOMES]),
        )
        .order_by(TherapyCourse.ended_on, TherapyCourse.id)
    )
    therapies = knowledge().therapies
    tried: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.therapy not in therapies or row.ended_on is None:
            continue  # a stored row the engine cannot read is left out, not fatal
        began = row.started_on or row.created_at.date()
        weeks = max(0, min(1040, (row.ended_on - began).days // 7))
        tried[row.therapy] = {
            "therapy": row.therapy,
            "outcome": EndReason(str(row.end_reason)).value,
            "weeks": weeks,
        }
    return list(tried.values())
