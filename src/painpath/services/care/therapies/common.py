"""Helpers the therapy services share: the course row, patient-local today, engine errors."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care.workflows import CourseState, Family, InvalidTransition, check_transition
from painpath.models.therapy_course import TherapyCourse
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, NotFound


def patient_today(access: PatientAccess) -> date:
    """Today in the patient's own time zone (dates in a course are the patient's days)."""
    return datetime.now(ZoneInfo(access.patient.time_zone)).date()


def not_future(access: PatientAccess, day: date, field: str) -> date:
    if day > patient_today(access):
        raise InvalidInput(f"{field} cannot be after today ({patient_today(access)})", field=field)
    return day


def load_course(session: Session, access: PatientAccess, course_id: int) -> TherapyCourse:
    """The patient's course, or 404 (a course of another patient is not found, not forbidden)."""
    course = session.scalars(
        select(TherapyCourse).where(
            TherapyCourse.id == course_id, TherapyCourse.patient_id == access.patient_id
        )
    ).first()
    if course is None:
        raise NotFound(f"therapy course {course_id} not found for this patient")
    access.note_resource(course.id)
    return course


def family(course: TherapyCourse) -> Family:
    try:
        return Family(course.family)
    except ValueError as error:  # a hostile or stale stored row
        raise Conflict(
            f"course {course.id} has an unknown family {course.family[:20]!r}"
        ) from error


def state(course: TherapyCourse) -> CourseState:
    try:
        return CourseState(course.state)
    except ValueError as error:
        raise Conflict(f"course {course.id} has an unknown state {course.state[:20]!r}") from error


def move(course: TherapyCourse, target: CourseState) -> None:
    """Move the course along its workflow, or 409 naming where it may go."""
    try:
        check_transition(family(course), state(course), target)
    except InvalidTransition as error:
        raise Conflict(str(error), field="state") from error
    course.state = target.value


def require_family(course: TherapyCourse, wanted: Family, step: str) -> None:
    if family(course) is not wanted:
        raise Conflict(
            f"{step} belongs to {wanted.value} courses; course {course.id} is {course.family}",
            field="course_id",
        )
