"""Regenerative courses: the evidence-status acknowledgement and the injection log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care.workflows import CourseState, Family, workflow_knowledge
from painpath.care.workflows.regenerative import status_notice
from painpath.kit.clock import utcnow
from painpath.models.therapy_course import TherapyCourse, TherapyInjection
from painpath.schemas.therapies import InjectionCreate
from painpath.services.access import PatientAccess
from painpath.services.care.therapies.common import (
    load_course,
    move,
    not_future,
    require_family,
    state,
)
from painpath.services.care.therapies.gates import gate
from painpath.services.errors import Conflict, InvalidInput
from painpath.services.recording import recorder


def acknowledge_status(session: Session, *, access: PatientAccess, course_id: int) -> TherapyCourse:
    """Record that the clinician read the therapy's evidence status (the exact text shown)."""
    course = load_course(session, access, course_id)
    require_family(course, Family.regenerative, "a status acknowledgement")
    if state(course) is CourseState.ended:
        raise Conflict("the course has ended", field="course_id")
    if course.status_acknowledged_at is None:
        course.status_acknowledged_at = utcnow()
        course.status_acknowledged_by = access.actor.user_id
        course.status_acknowledged_text = status_notice(course.therapy).text[:2000]
    access.event.detail = "evidence status acknowledged"
    return course


def injections(session: Session, course: TherapyCourse) -> list[TherapyInjection]:
    return list(
        session.scalars(
            select(TherapyInjection)
            .where(TherapyInjection.course_id == course.id)
            .order_by(TherapyInjection.injected_on, TherapyInjection.id)
        )
    )


def add_injection(
    session: Session, *, access: PatientAccess, course_id: int, data: InjectionCreate
) -> TherapyInjection:
    """Log an injection: refused until the status is acknowledged and the contraindication
    review is complete (no absolute contraindication present) on the injection day."""
    course = load_course(session, access, course_id)
    require_family(course, Family.regenerative, "an injection")
    current = state(course)
    if current is CourseState.ended:
        raise Conflict("the course has ended", field="course_id")
    not_future(access, data.injected_on, "injected_on")
    limits = workflow_knowledge().injection
    products = workflow_knowledge().regenerative[course.therapy].products
    for field, value, allowed in (
        ("product", data.product, products),
        ("guidance", data.guidance, limits.guidance),
        ("activation", data.activation, limits.activation),
    ):
        if value not in allowed:
            raise InvalidInput(f"{field} must be one of {', '.join(allowed)}", field=field)
    low, high = limits.volume_ml
    if not low <= data.volume_ml <= high:
        raise InvalidInput(f"volume_ml must be between {low:g} and {high:g}", field="volume_ml")
    if course.status_acknowledged_at is None:
        raise Conflict(
            "injection refused: acknowledge the evidence status ("
            + workflow_knowledge().regenerative[course.therapy].status.replace("_", " ")
            + ") first",
            field="status_acknowledgement",
        )
    review = gate(session, course, data.injected_on)
    if review is not None and not review.complete:
        raise Conflict(
            "injection refused, contraindication review incomplete: " + "; ".join(review.problems),
            field="contraindications",
        )
    earlier = injections(session, course)
    if earlier and data.injected_on < earlier[0].injected_on:
        raise InvalidInput("injected_on is before the first injection", field="injected_on")
    row = TherapyInjection(
        patient_id=access.patient_id,
        course_id=course.id,
        **data.model_dump(),
        **recorder(access.actor),
    )
    session.add(row)
    if current is CourseState.assessment:
        move(course, CourseState.injections)
        course.started_on = data.injected_on
    session.flush()
    return row
