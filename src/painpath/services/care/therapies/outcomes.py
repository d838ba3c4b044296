"""Outcome assessments: a baseline and follow-ups per instrument, read with the responder rule."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care.workflows import (
    OutcomeError,
    next_due,
    respond,
    validate_values,
    workflow_knowledge,
)
from painpath.models.therapy_course import TherapyAssessment, TherapyCourse
from painpath.schemas.therapies import AssessmentCreate, AssessmentRead, OutcomesRead, ResponseRead
from painpath.services.access import PatientAccess
from painpath.services.care.therapies.common import load_course, not_future
from painpath.services.errors import Conflict, InvalidInput
from painpath.services.recording import recorder


def assessments(session: Session, course: TherapyCourse) -> list[TherapyAssessment]:
    return list(
        session.scalars(
            select(TherapyAssessment)
            .where(TherapyAssessment.course_id == course.id)
            .order_by(TherapyAssessment.assessed_on, TherapyAssessment.id)
        )
    )


def add_assessment(
    session: Session, *, access: PatientAccess, course_id: int, data: AssessmentCreate
) -> TherapyAssessment:
    """Store a baseline (one per instrument) or a follow-up (after that baseline)."""
    course = load_course(session, access, course_id)
    not_future(access, data.assessed_on, "assessed_on")
    plan = workflow_knowledge().plan_for(course.therapy)
    if data.instrument not in plan.instruments:
        raise InvalidInput(
            f"instrument for a {course.therapy} course must be one of"
            f" {', '.join(plan.instruments)}",
            field="instrument",
        )
    try:
        values = validate_values(data.instrument, data.values)
    except OutcomeError as error:
        raise InvalidInput(str(error), field=error.field) from error
    baseline = _baseline(session, course, data.instrument)
    if data.timepoint == "baseline" and baseline is not None:
        raise Conflict(
            f"the course already has a {data.instrument} baseline ({baseline.assessed_on})",
            field="timepoint",
        )
    if data.timepoint == "follow_up":
        if baseline is None:
            raise Conflict(f"record a {data.instrument} baseline first", field="timepoint")
        if data.assessed_on < baseline.assessed_on:
            raise InvalidInput("a follow-up cannot precede the baseline", field="assessed_on")
    row = TherapyAssessment(
        patient_id=access.patient_id,
        course_id=course.id,
        assessed_on=data.assessed_on,
        instrument=data.instrument,
        timepoint=data.timepoint,
        values=values,
        note=data.note,
        **recorder(access.actor),
    )
    session.add(row)
    session.flush()
    return row


def _baseline(session: Session, course: TherapyCourse, instrument: str) -> TherapyAssessment | None:
    return session.scalars(
        select(TherapyAssessment)
        .where(
            TherapyAssessment.course_id == course.id,
            TherapyAssessment.instrument == instrument,
            TherapyAssessment.timepoint == "baseline",
        )
        .order_by(TherapyAssessment.id)
        .limit(1)
    ).first()


def baseline_pain(session: Session, course: TherapyCourse) -> float | None:
    """The course's baseline pain NRS (either pain instrument), for program outcomes."""
    for instrument in ("scs_relief", "pain_nrs"):
        row = _baseline(session, course, instrument)
        pain = row.values.get("pain") if row is not None and isinstance(row.values, dict) else None
        if isinstance(pain, int | float) and not isinstance(pain, bool):
            return float(pain)
    return None


def outcomes_read(session: Session, course: TherapyCourse) -> OutcomesRead:
    """Every assessment with its response against its baseline, and the next due date."""
    knowledge = workflow_knowledge()
    plan = knowledge.plan_for(course.therapy)
    rows = assessments(session, course)
    baselines = {r.instrument: r for r in rows if r.timepoint == "baseline"}
    read: list[AssessmentRead] = []
    latest: bool | None = None
    for row in rows:
        stored = row.values if isinstance(row.values, dict) else {}  # a hostile row reads empty
        spec = knowledge.instruments.get(row.instrument)
        response = None
        base = baselines.get(row.instrument)
        if spec is not None and row.timepoint == "follow_up" and base is not None:
            try:
                base_values = base.values if isinstance(base.values, dict) else {}
                found = respond(row.instrument, base_values, stored)
            except OutcomeError:
                found = None  # a stored row the rule cannot read: shown without a response
            if found is not None:
                response = ResponseRead(
                    level=found.level,
                    responder=found.responder,
                    summary=found.summary,
                    numbers=dict(found.numbers),
                    source=found.source,
                )
                latest = found.responder
        read.append(
            AssessmentRead(
                id=row.id,
                assessed_on=row.assessed_on,
                instrument=row.instrument,
                instrument_name=spec.name if spec else row.instrument,
                timepoint="baseline" if row.timepoint == "baseline" else "follow_up",
                values={
                    str(k)[:40]: float(v)
                    for k, v in stored.items()
                    if isinstance(v, int | float) and not isinstance(v, bool)
                },
                note=row.note,
                response=response,
            )
        )
    due: date | None = None
    if baselines and course.state != "ended":
        anchor = course.started_on or min(b.assessed_on for b in baselines.values())
        follow_ups = [
            r.assessed_on for r in rows if r.timepoint == "follow_up" and r.assessed_on >= anchor
        ]
        due = next_due(plan, anchor, max(follow_ups) if follow_ups else None)
    return OutcomesRead(
        instruments=list(plan.instruments), assessments=read, next_due=due, latest_responder=latest
    )
