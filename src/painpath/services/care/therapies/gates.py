"""Checklist results (screening, candidacy, contraindication review) and the gates they make."""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care.workflows import Family, Gate, RecordedResult, evaluate, workflow_knowledge
from painpath.care.workflows.biologics import screening_items
from painpath.care.workflows.checklists import validate_result
from painpath.care.workflows.data import CheckItem
from painpath.care.workflows.regenerative import contraindication_items
from painpath.models.therapy_course import TherapyCheck, TherapyCourse
from painpath.schemas.therapies import CheckCreate
from painpath.services.access import PatientAccess
from painpath.services.care.therapies.common import family, load_course, not_future
from painpath.services.errors import Conflict, InvalidInput
from painpath.services.recording import recorder

Kind = Literal["screening", "candidacy", "contraindication"]
KIND_BY_FAMILY: dict[Family, Kind] = {
    Family.biologic: "screening",
    Family.neurostimulation: "candidacy",
    Family.regenerative: "contraindication",
}


def checklist(course: TherapyCourse) -> tuple[Kind, tuple[CheckItem, ...]] | None:
    """The course's checklist kind and items, or None for a general course."""
    flow = family(course)
    kind = KIND_BY_FAMILY.get(flow)
    if kind == "screening":
        return kind, screening_items(course.therapy, course.product)
    if kind == "candidacy":
        return kind, workflow_knowledge().candidacy
    if kind == "contraindication":
        return kind, contraindication_items(course.therapy)
    return None


def recorded_results(session: Session, course: TherapyCourse, kind: Kind) -> list[RecordedResult]:
    rows = session.scalars(
        select(TherapyCheck)
        .where(TherapyCheck.course_id == course.id, TherapyCheck.kind == kind)
        .order_by(TherapyCheck.checked_on, TherapyCheck.id)
    )
    return [RecordedResult(r.item, r.result, r.checked_on) for r in rows]


def gate(session: Session, course: TherapyCourse, on: date) -> Gate | None:
    found = checklist(course)
    if found is None:
        return None
    kind, items = found
    return evaluate(items, recorded_results(session, course, kind), on)


def record_check(
    session: Session, *, access: PatientAccess, course_id: int, data: CheckCreate
) -> TherapyCheck:
    """Store one checklist result; the item and result must be in the course's checklist."""
    course = load_course(session, access, course_id)
    not_future(access, data.checked_on, "checked_on")
    found = checklist(course)
    if found is None:
        raise Conflict(f"a {course.family} course has no checklist", field="course_id")
    if course.state == "ended":
        raise Conflict("the course has ended", field="course_id")
    kind, items = found
    try:
        validate_result(items, data.item, data.result)
    except ValueError as error:
        field = "item" if "unknown item" in str(error) else "result"
        raise InvalidInput(str(error), field=field) from error
    row = TherapyCheck(
        patient_id=access.patient_id,
        course_id=course.id,
        kind=kind,
        item=data.item,
        result=data.result,
        checked_on=data.checked_on,
        note=data.note,
        **recorder(access.actor),
    )
    session.add(row)
    session.flush()
    return row
