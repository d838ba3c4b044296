"""A course read whole: the API's course detail and the course page show the same document."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care import knowledge
from painpath.care.workflows import (
    CourseState,
    EndReason,
    Family,
    next_states,
    states_of,
    workflow_knowledge,
)
from painpath.care.workflows.biologics import monitoring_schedule
from painpath.care.workflows.neurostimulation import relief_percent
from painpath.care.workflows.regenerative import contraindications, status_notice
from painpath.models.therapy_course import TherapyCheck, TherapyCourse, TherapyProgram
from painpath.schemas.therapies import (
    CheckRead,
    ContraindicationRead,
    CourseDetail,
    CourseRead,
    GateItem,
    GateRead,
    ImplantRead,
    InjectionRead,
    MonitoringRead,
    ProgramRead,
    StatusRead,
    TrialDayRead,
    TrialRead,
)
from painpath.services.access import PatientAccess
from painpath.services.care.therapies.common import family, load_course, patient_today, state
from painpath.services.care.therapies.gates import gate
from painpath.services.care.therapies.neurostim import trial_days, trial_result
from painpath.services.care.therapies.outcomes import baseline_pain, outcomes_read
from painpath.services.care.therapies.regenerative import injections
from painpath.services.care.therapies.settings import trial_required

GATED_STEP = {
    Family.biologic: "start",
    Family.neurostimulation: "trial or implant",
    Family.regenerative: "injection",
}


def course_read(course: TherapyCourse) -> CourseRead:
    therapy = knowledge().therapies.get(course.therapy)
    end = course.end_reason if course.end_reason in EndReason.__members__ else None
    return CourseRead(
        id=course.id,
        patient_id=course.patient_id,
        therapy=course.therapy,
        therapy_name=therapy.name if therapy else course.therapy,
        family=family(course),
        state=state(course),
        product=course.product,
        condition=course.condition,
        site=course.site,
        started_on=course.started_on,
        ended_on=course.ended_on,
        end_reason=EndReason(end) if end else None,
        end_note=course.end_note,
        created_at=course.created_at,
    )


def course_detail(session: Session, *, access: PatientAccess, course_id: int) -> CourseDetail:
    course = load_course(session, access, course_id)
    flow = family(course)
    current = state(course)
    today = patient_today(access)
    checks = session.scalars(
        select(TherapyCheck)
        .where(TherapyCheck.course_id == course.id)
        .order_by(TherapyCheck.checked_on.desc(), TherapyCheck.id.desc())
    )
    found_gate = gate(session, course, today) if current is not CourseState.ended else None
    gate_read = None
    if found_gate is not None:
        gate_read = GateRead(
            step=GATED_STEP[flow],
            complete=found_gate.complete,
            missing=list(found_gate.problems),
            items=[
                GateItem(
                    item=s.item.id,
                    label=s.item.label,
                    state=s.state,
                    result=s.result,
                    checked_on=s.on,
                    valid_until=s.valid_until,
                    results=dict(s.item.results),
                    source=s.item.source,
                )
                for s in found_gate.items
            ],
        )
    monitoring: list[MonitoringRead] = []
    if flow is Family.biologic and current is CourseState.active and course.started_on:
        monitoring = [
            MonitoringRead(what=m.what, due=m.due, every_weeks=m.every_weeks, source=m.source)
            for m in monitoring_schedule(course.therapy, course.started_on, today)
        ]
    trial = None
    programs: list[ProgramRead] = []
    implant = None
    if flow is Family.neurostimulation:
        result = trial_result(session, course)
        trial = TrialRead(
            entries=result.entries,
            mean_relief_percent=result.mean_relief_percent,
            success=result.success,
            ready=result.ready,
            summary=result.summary,
            required=trial_required(session),
            source=result.source,
            days=[TrialDayRead.model_validate(d) for d in trial_days(session, course)],
        )
        base = baseline_pain(session, course)
        for row in session.scalars(
            select(TherapyProgram)
            .where(TherapyProgram.course_id == course.id)
            .order_by(TherapyProgram.programmed_on, TherapyProgram.id)
        ):
            program = ProgramRead.model_validate(row)
            program.relief_percent = relief_percent(base, row.pain_after)
            programs.append(program)
        if course.device and course.started_on and course.mr_labelling and course.lead_location:
            implant = ImplantRead(
                implanted_on=course.started_on,
                device=course.device,
                mr_labelling=course.mr_labelling,
                lead_location=course.lead_location,
            )
    status = None
    contra: list[ContraindicationRead] = []
    injected: list[InjectionRead] = []
    if flow is Family.regenerative:
        notice = status_notice(course.therapy)
        status = StatusRead(
            status=notice.status.status,
            statement=notice.status.statement,
            sources=list(notice.status.sources),
            guidelines=[
                f"{g.condition}: {g.guideline} ({g.year}) — {g.wording}" for g in notice.guidelines
            ],
            text=course.status_acknowledged_text or notice.text,
            acknowledged_at=course.status_acknowledged_at,
            acknowledged_by=course.status_acknowledged_by,
        )
        latest = {s.item.id: s for s in found_gate.items} if found_gate else {}
        contra = [
            ContraindicationRead(
                id=c.id,
                label=c.label,
                absolute=c.absolute,
                present=None
                if c.id not in latest or latest[c.id].result is None
                else latest[c.id].result == "present",
                source=c.source,
            )
            for c in contraindications(course.therapy)
        ]
        injected = [InjectionRead.model_validate(r) for r in injections(session, course)]
    return CourseDetail(
        course=course_read(course),
        states=list(states_of(flow)),
        next_states=sorted(next_states(flow, current)),
        checks=[CheckRead.model_validate(c) for c in checks],
        gate=gate_read,
        monitoring=monitoring,
        trial=trial,
        implant=implant,
        programs=programs,
        status=status,
        contraindications=contra,
        injections=injected,
        outcomes=outcomes_read(session, course),
        knowledge=workflow_knowledge().describe(),
    )
