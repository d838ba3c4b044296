"""Therapy courses: biologic, neurostimulation, regenerative and general workflows, outcomes.

Every route opens the patient through the care-team gate (audited). A refused step (a biologic
start with screening incomplete, an implant without a successful trial while the clinic
requires one, an injection before the status is acknowledged) answers 409 naming what is
missing and writes nothing but its audit event; a bad value answers 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID, Page
from painpath.schemas.therapies import (
    AssessmentCreate,
    CheckCreate,
    CheckRead,
    ClinicSettingsRead,
    ClinicSettingsUpdate,
    CourseCreate,
    CourseDetail,
    CourseRead,
    EndCreate,
    ImplantCreate,
    InjectionCreate,
    InjectionRead,
    ProgramCreate,
    ProgramRead,
    StartCreate,
    StatusAcknowledgement,
    TrialBegin,
    TrialDayCreate,
    TrialDayRead,
    TrialEvaluation,
)
from painpath.services.access import PatientAccess
from painpath.services.care.therapies import (
    courses,
    gates,
    neurostim,
    outcomes,
    regenerative,
    settings,
    views,
)
from painpath.web.deps import ActorDep, PageDep, SessionDep, access

router = APIRouter(tags=["therapy courses"])

COURSES = "/patients/{patient_id}/therapies"
COURSE = COURSES + "/{course_id}"
CourseId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.therapy_read, "TherapyCourse")]
Writer = Annotated[PatientAccess, access(Permission.therapy_write, "TherapyCourse")]


@router.get(COURSES, response_model=Page[CourseRead])
def list_courses(grant: Reader, session: SessionDep, page: PageDep) -> Page[CourseRead]:
    rows, total = courses.list_courses(session, access=grant, page=page)
    items = [views.course_read(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(COURSES, response_model=CourseDetail, status_code=201)
def create_course(body: CourseCreate, grant: Writer, session: SessionDep) -> CourseDetail:
    """Open a course in its family's first state (409 while one for the therapy is open)."""
    course = courses.create_course(session, access=grant, data=body)
    return views.course_detail(session, access=grant, course_id=course.id)


@router.get(COURSE, response_model=CourseDetail)
def read_course(course_id: CourseId, grant: Reader, session: SessionDep) -> CourseDetail:
    """The course whole: checklist gate, trial, implant, programs, injections, outcomes."""
    return views.course_detail(session, access=grant, course_id=course_id)


@router.post(COURSE + "/checks", response_model=CheckRead, status_code=201)
def record_check(
    course_id: CourseId, body: CheckCreate, grant: Writer, session: SessionDep
) -> CheckRead:
    """A screening, candidacy or contraindication result (the course's own checklist)."""
    row = gates.record_check(session, access=grant, course_id=course_id, data=body)
    return CheckRead.model_validate(row)


@router.post(COURSE + "/start", response_model=CourseDetail)
def start_course(
    course_id: CourseId, body: StartCreate, grant: Writer, session: SessionDep
) -> CourseDetail:
    """Start a biologic (409 naming each screening item missing, unacceptable or expired) or
    a general-workflow therapy."""
    courses.start_course(session, access=grant, course_id=course_id, started_on=body.started_on)
    return views.course_detail(session, access=grant, course_id=course_id)


@router.post(COURSE + "/trial", response_model=CourseDetail)
def begin_trial(
    course_id: CourseId, body: TrialBegin, grant: Writer, session: SessionDep
) -> CourseDetail:
    """Start a stimulation trial (409 while the candidacy checklist is incomplete)."""
    neurostim.begin_trial(session, access=grant, course_id=course_id, data=body)
    return views.course_detail(session, access=grant, course_id=course_id)


@router.post(COURSE + "/trial/days", response_model=TrialDayRead, status_code=201)
def add_trial_day(
    course_id: CourseId, body: TrialDayCreate, grant: Writer, session: SessionDep
) -> TrialDayRead:
    row = neurostim.add_trial_day(session, access=grant, course_id=course_id, data=body)
    return TrialDayRead.model_validate(row)


@router.post(COURSE + "/trial/evaluation", response_model=CourseDetail)
def evaluate_trial(
    course_id: CourseId, body: TrialEvaluation, grant: Writer, session: SessionDep
) -> CourseDetail:
    """Close the trial: successful at ≥ 50 % mean relief, else failed."""
    neurostim.evaluate(session, access=grant, course_id=course_id, data=body)
    return views.course_detail(session, access=grant, course_id=course_id)


@router.post(COURSE + "/implant", response_model=CourseDetail)
def record_implant(
    course_id: CourseId, body: ImplantCreate, grant: Writer, session: SessionDep
) -> CourseDetail:
    """Record the implant (409 without a successful trial while the clinic requires one)."""
    neurostim.record_implant(session, access=grant, course_id=course_id, data=body)
    return views.course_detail(session, access=grant, course_id=course_id)


@router.post(COURSE + "/programs", response_model=ProgramRead, status_code=201)
def add_program(
    course_id: CourseId, body: ProgramCreate, grant: Writer, session: SessionDep
) -> ProgramRead:
    row = neurostim.add_program(session, access=grant, course_id=course_id, data=body)
    return ProgramRead.model_validate(row)


@router.post(COURSE + "/status-acknowledgement", response_model=CourseDetail)
def acknowledge_status(
    course_id: CourseId, body: StatusAcknowledgement, grant: Writer, session: SessionDep
) -> CourseDetail:
    """Acknowledge a regenerative therapy's not-recommended or investigational status."""
    del body  # its one field must be true; the schema checked it
    regenerative.acknowledge_status(session, access=grant, course_id=course_id)
    return views.course_detail(session, access=grant, course_id=course_id)


@router.post(COURSE + "/injections", response_model=InjectionRead, status_code=201)
def add_injection(
    course_id: CourseId, body: InjectionCreate, grant: Writer, session: SessionDep
) -> InjectionRead:
    """Log an injection (409 before the status is acknowledged or the contraindication
    review is complete)."""
    row = regenerative.add_injection(session, access=grant, course_id=course_id, data=body)
    return InjectionRead.model_validate(row)


@router.post(COURSE + "/assessments", response_model=CourseDetail, status_code=201)
def add_assessment(
    course_id: CourseId, body: AssessmentCreate, grant: Writer, session: SessionDep
) -> CourseDetail:
    """A baseline or follow-up on an instrument that fits the therapy; the answer carries the
    responder status and the next due date."""
    outcomes.add_assessment(session, access=grant, course_id=course_id, data=body)
    return views.course_detail(session, access=grant, course_id=course_id)


@router.post(COURSE + "/end", response_model=CourseDetail)
def end_course(
    course_id: CourseId, body: EndCreate, grant: Writer, session: SessionDep
) -> CourseDetail:
    """End the course with a reason (the tried-therapy outcomes feed the next suggestions)."""
    courses.end_course(session, access=grant, course_id=course_id, data=body)
    return views.course_detail(session, access=grant, course_id=course_id)


@router.get("/clinic/settings", response_model=ClinicSettingsRead, tags=["clinic settings"])
def read_clinic_settings(actor: ActorDep, session: SessionDep) -> ClinicSettingsRead:
    return settings.read_settings(session, actor=actor)


@router.put("/clinic/settings", response_model=ClinicSettingsRead, tags=["clinic settings"])
def update_clinic_settings(
    body: ClinicSettingsUpdate, actor: ActorDep, session: SessionDep
) -> ClinicSettingsRead:
    """Switch the neurostimulation trial requirement (administrators; audited)."""
    return settings.set_trial_required(
        session, actor=actor, required=body.require_neurostimulation_trial
    )
