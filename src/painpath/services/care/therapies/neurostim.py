"""Neurostimulation courses: candidacy gate, trial and its daily diary, implant, programs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care.workflows import CourseState, Family
from painpath.care.workflows.data import workflow_knowledge
from painpath.care.workflows.neurostimulation import (
    FunctionChange,
    TrialDay,
    TrialResult,
    check_program,
    evaluate_trial,
)
from painpath.models.therapy_course import TherapyCourse, TherapyProgram, TherapyTrialDay
from painpath.schemas.therapies import (
    ImplantCreate,
    ProgramCreate,
    TrialBegin,
    TrialDayCreate,
    TrialEvaluation,
)
from painpath.services.access import PatientAccess
from painpath.services.care.therapies.common import (
    load_course,
    move,
    not_future,
    require_family,
    state,
)
from painpath.services.care.therapies.gates import gate
from painpath.services.care.therapies.settings import trial_required
from painpath.services.errors import Conflict, InvalidInput
from painpath.services.recording import recorder


def _candidacy_complete(session: Session, course: TherapyCourse, day: date) -> None:
    found = gate(session, course, day)
    if found is not None and not found.complete:
        raise Conflict(
            "candidacy checklist incomplete: " + "; ".join(found.problems), field="candidacy"
        )


def begin_trial(
    session: Session, *, access: PatientAccess, course_id: int, data: TrialBegin
) -> TherapyCourse:
    """Start (or repeat) a trial: the candidacy checklist must be complete on that day."""
    course = load_course(session, access, course_id)
    require_family(course, Family.neurostimulation, "a stimulation trial")
    not_future(access, data.started_on, "started_on")
    if state(course) is CourseState.candidacy:
        _candidacy_complete(session, course, data.started_on)
    elif state(course) is CourseState.trial_failed and data.started_on <= _last_trial_day(
        session, course
    ):
        raise InvalidInput("a repeat trial starts after the last trial day", field="started_on")
    move(course, CourseState.trial)
    # A repeat trial counts from its own start; the earlier trial's days stay on record.
    course.trial_started_on = data.started_on
    return course


def _last_trial_day(session: Session, course: TherapyCourse) -> date:
    rows = trial_days(session, course)
    return rows[-1].day if rows else course.trial_started_on or date.min


def trial_days(session: Session, course: TherapyCourse) -> list[TherapyTrialDay]:
    """The current trial's daily entries (a repeat trial counts from its own start)."""
    query = select(TherapyTrialDay).where(TherapyTrialDay.course_id == course.id)
    if course.trial_started_on is not None:
        query = query.where(TherapyTrialDay.day >= course.trial_started_on)
    return list(session.scalars(query.order_by(TherapyTrialDay.day)))


def trial_result(session: Session, course: TherapyCourse) -> TrialResult:
    return evaluate_trial(
        [
            TrialDay(r.day, r.relief_percent, FunctionChange(r.function_change))
            for r in trial_days(session, course)
            if r.function_change in FunctionChange.__members__
        ]
    )


def add_trial_day(
    session: Session, *, access: PatientAccess, course_id: int, data: TrialDayCreate
) -> TherapyTrialDay:
    course = load_course(session, access, course_id)
    require_family(course, Family.neurostimulation, "a trial day")
    if state(course) is not CourseState.trial:
        raise Conflict(f"the course is in {course.state}, not in a trial", field="course_id")
    not_future(access, data.day, "day")
    start = course.trial_started_on
    if start is not None and data.day < start:
        raise InvalidInput(f"day is before the trial started ({start})", field="day")
    limit = workflow_knowledge().trial.maximum_days
    if start is not None and (data.day - start).days >= limit:
        raise InvalidInput(f"a trial lasts at most {limit} days", field="day")
    taken = session.scalars(
        select(TherapyTrialDay.id).where(
            TherapyTrialDay.course_id == course.id, TherapyTrialDay.day == data.day
        )
    ).first()
    if taken is not None:
        raise Conflict(f"the trial already has an entry for {data.day}", field="day")
    row = TherapyTrialDay(
        patient_id=access.patient_id,
        course_id=course.id,
        day=data.day,
        relief_percent=data.relief_percent,
        function_change=data.function.value,
        note=data.note,
        **recorder(access.actor),
    )
    session.add(row)
    session.flush()
    return row


def evaluate(
    session: Session, *, access: PatientAccess, course_id: int, data: TrialEvaluation
) -> TrialResult:
    """Close the trial: succeeded at the knowledge's threshold, else failed."""
    course = load_course(session, access, course_id)
    require_family(course, Family.neurostimulation, "a trial evaluation")
    not_future(access, data.evaluated_on, "evaluated_on")
    result = trial_result(session, course)
    if state(course) is CourseState.trial and not result.ready:
        raise Conflict(f"the trial cannot be judged yet: {result.summary}", field="trial")
    move(course, CourseState.trial_succeeded if result.success else CourseState.trial_failed)
    return result


def record_implant(
    session: Session, *, access: PatientAccess, course_id: int, data: ImplantCreate
) -> TherapyCourse:
    """Record the implant: refused without a successful trial while the clinic requires one,
    and refused while the candidacy checklist is incomplete."""
    course = load_course(session, access, course_id)
    require_family(course, Family.neurostimulation, "an implant")
    not_future(access, data.implanted_on, "implanted_on")
    current = state(course)
    if current is not CourseState.trial_succeeded:
        if trial_required(session) and current is not CourseState.implanted:
            what = {
                CourseState.trial_failed: "the trial failed",
                CourseState.trial: "the trial has not been evaluated",
            }.get(current, "no trial has been recorded")
            raise Conflict(
                f"implant refused: the clinic requires a successful trial and {what}",
                field="trial",
            )
        if current is CourseState.candidacy:
            _candidacy_complete(session, course, data.implanted_on)
    elif course.trial_started_on is not None and data.implanted_on < course.trial_started_on:
        raise InvalidInput("implanted_on is before the trial", field="implanted_on")
    move(course, CourseState.implanted)
    course.started_on = data.implanted_on
    course.device = data.device
    course.mr_labelling = data.mr_labelling
    course.lead_location = data.lead_location
    return course


def add_program(
    session: Session, *, access: PatientAccess, course_id: int, data: ProgramCreate
) -> TherapyProgram:
    course = load_course(session, access, course_id)
    require_family(course, Family.neurostimulation, "a program")
    if state(course) is not CourseState.implanted:
        raise Conflict(
            f"programs follow the implant; the course is in {course.state}", field="course_id"
        )
    not_future(access, data.programmed_on, "programmed_on")
    if course.started_on is not None and data.programmed_on < course.started_on:
        raise InvalidInput("programmed_on is before the implant", field="programmed_on")
    try:
        check_program(
            waveform=data.waveform,
            frequency_hz=data.frequency_hz,
            pulse_width_us=data.pulse_width_us,
            amplitude_ma=data.amplitude_ma,
        )
    except ValueError as error:
        raise InvalidInput(str(error), field=str(error).split(" ", 1)[0]) from error
    row = TherapyProgram(
        patient_id=access.patient_id,
        course_id=course.id,
        **data.model_dump(),
        **recorder(access.actor),
    )
    session.add(row)
    session.flush()
    return row
