"""The patient's one care plan: create, read, change its header and status."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care.plans import (
    ActivityStatus,
    GoalAchievement,
    GoalLifecycle,
    PlanStatus,
    SessionStatus,
    StopReason,
    TransitionRefused,
    check_plan_transition,
)
from painpath.care.plans.records import ActivityRecord, GoalRecord, PlanRecord, SessionRecord
from painpath.kit.clock import time_zone, utcnow
from painpath.models.care_plan import (
    CarePlan,
    CarePlanActivity,
    CarePlanGoal,
    CarePlanSession,
    CarePlanStatus,
)
from painpath.models.patient import Patient
from painpath.schemas.care_plans import CarePlanCreate, CarePlanUpdate
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, NotFound

DEFAULT_TITLE = "Care plan"


def patient_today(patient: Patient) -> date:
    """The patient's own calendar day now (their IANA time zone)."""
    return utcnow().astimezone(time_zone(patient.time_zone)).date()


def refused(error: TransitionRefused) -> InvalidInput | Conflict:
    """A refused transition as a service error: a missing reason is bad input (422), a move
    the lifecycle does not allow conflicts with the stored state (409)."""
    if error.field == "reason":
        return InvalidInput(str(error), field="reason")
    return Conflict(str(error), field=error.field)


def find_plan(session: Session, patient_id: int) -> CarePlan | None:
    return session.scalar(select(CarePlan).where(CarePlan.patient_id == patient_id))


def get_plan(session: Session, *, access: PatientAccess) -> CarePlan:
    plan = find_plan(session, access.patient_id)
    if plan is None:
        raise NotFound(f"patient {access.patient_id} has no care plan yet")
    access.note_resource(plan.id)
    return plan


def ensure_plan(session: Session, *, access: PatientAccess) -> CarePlan:
    """The patient's plan, created as a draft when there is none yet."""
    plan = find_plan(session, access.patient_id)
    if plan is None:
        plan = CarePlan(
            patient_id=access.patient_id,
            title=DEFAULT_TITLE,
            status=CarePlanStatus.draft,
            created_by=access.actor.user_id,
            updated_by=access.actor.user_id,
        )
        session.add(plan)
        session.flush()
    return plan


def create_plan(session: Session, *, access: PatientAccess, data: CarePlanCreate) -> CarePlan:
    if find_plan(session, access.patient_id) is not None:
        raise Conflict(f"patient {access.patient_id} already has a care plan", field="patient_id")
    plan = CarePlan(
        patient_id=access.patient_id,
        title=data.title,
        description=data.description,
        condition=data.condition,
        status=CarePlanStatus(data.status),
        created_by=access.actor.user_id,
        updated_by=access.actor.user_id,
    )
    session.add(plan)
    session.flush()
    access.note_resource(plan.id)
    access.event.detail = "care plan created"
    return plan


def update_plan(session: Session, *, access: PatientAccess, data: CarePlanUpdate) -> CarePlan:
    plan = get_plan(session, access=access)
    changes = data.model_dump(exclude_unset=True)
    if "status" in changes and data.status is not None:
        wanted = PlanStatus(data.status.value)
        current = PlanStatus(plan.status.value)
        if wanted is not current:
            try:
                check_plan_transition(current, wanted)
            except TransitionRefused as error:
                raise refused(error) from None
            access.event.detail = f"care plan {current.value} → {wanted.value}"
        plan.status = CarePlanStatus(wanted.value)
    for name in ("title", "description", "condition"):
        if name in changes:
            setattr(plan, name, changes[name])
    plan.updated_by = access.actor.user_id
    plan.updated_at = utcnow()
    session.flush()
    return plan


def goals_of(session: Session, plan: CarePlan) -> list[CarePlanGoal]:
    return list(
        session.scalars(
            select(CarePlanGoal).where(CarePlanGoal.plan_id == plan.id).order_by(CarePlanGoal.id)
        )
    )


def activities_of(session: Session, plan: CarePlan) -> list[CarePlanActivity]:
    return list(
        session.scalars(
            select(CarePlanActivity)
            .where(CarePlanActivity.plan_id == plan.id)
            .order_by(CarePlanActivity.id)
        )
    )


def sessions_by_activity(session: Session, plan: CarePlan) -> dict[int, list[CarePlanSession]]:
    rows = session.scalars(
        select(CarePlanSession)
        .join(CarePlanActivity, CarePlanActivity.id == CarePlanSession.activity_id)
        .where(CarePlanActivity.plan_id == plan.id)
        .order_by(CarePlanSession.activity_id, CarePlanSession.sequence)
    )
    grouped: dict[int, list[CarePlanSession]] = {}
    for row in rows:
        grouped.setdefault(row.activity_id, []).append(row)
    return grouped


def plan_record(session: Session, plan: CarePlan) -> PlanRecord:
    """The stored plan as the engine's plain snapshot (for the FHIR export and pages)."""
    sessions = sessions_by_activity(session, plan)
    goals = tuple(
        GoalRecord(
            id=g.id,
            kind=g.kind,
            description=g.description,
            target=g.target,
            start_date=g.start_date,
            due_date=g.due_date,
            lifecycle=GoalLifecycle(g.lifecycle_status.value),
            achievement=GoalAchievement(g.achievement_status.value)
            if g.achievement_status
            else None,
            achieved_on=g.achieved_on,
            latest_value=g.latest_value,
            latest_on=g.latest_on,
        )
        for g in goals_of(session, plan)
    )
    activities = tuple(
        ActivityRecord(
            id=a.id,
            therapy=a.therapy,
            family=a.family,
            title=a.title,
            status=ActivityStatus(a.status.value),
            stop_reason=StopReason(a.stop_reason.value) if a.stop_reason else None,
            start_date=a.start_date,
            stop_date=a.stop_date,
            schedule=a.schedule,
            sessions=tuple(
                SessionRecord(s.id, s.sequence, s.scheduled_on, SessionStatus(s.status.value))
                for s in sessions.get(a.id, [])
            ),
        )
        for a in activities_of(session, plan)
    )
    return PlanRecord(
        id=plan.id,
        patient_id=plan.patient_id,
        status=PlanStatus(plan.status.value),
        title=plan.title,
        description=plan.description,
        created=plan.created_at,
        updated=plan.updated_at,
        goals=goals,
        activities=activities,
    )
