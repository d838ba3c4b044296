"""Goals on the plan, and goals that update themselves from monitoring data.

`evaluate_goals` reads the data each active goal needs (scored PEG responses; the wearable's
daily totals), asks the engine (`painpath.care.plans.evaluate_goal`) how the goal stands and
stores what changed; a goal that is met completes (FHIR lifecycle `completed`, achievement
`achieved`). It runs in the same transaction as the data that may change a goal: after a
questionnaire response is stored (`services.monitoring.questionnaires.record_response`, which
the API, the pages and mobile sync all use), after a wearable import stores its days, after a
sync batch, in the daily sweep, and whenever the plan is read. Each change writes an audit event
naming what moved it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.care.plans import (
    GoalEvaluation,
    GoalLifecycle,
    GoalTarget,
    Reading,
    TransitionRefused,
    check_goal_transition,
    check_target,
    evaluate_goal,
    find_goal_kind,
    plain_goal,
)
from painpath.kit.clock import time_zone, utcnow
from painpath.models.care_plan import CareGoalAchievement, CareGoalLifecycle, CarePlanGoal
from painpath.models.patient import Patient
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.wearable import WearableDay
from painpath.schemas.care_plans import GoalCreate, GoalUpdate
from painpath.services.access import PatientAccess
from painpath.services.care.plans.store import ensure_plan, patient_today, refused
from painpath.services.errors import InvalidInput, NotFound

#: Readings kept per PEG evaluation: the latest decides, the one before gives the direction.
PEG_READINGS = 2
PEG = "peg"


def _active_goals(session: Session, patient_id: int) -> list[CarePlanGoal]:
    return list(
        session.scalars(
            select(CarePlanGoal)
            .where(
                CarePlanGoal.patient_id == patient_id,
                CarePlanGoal.lifecycle_status == CareGoalLifecycle.active,
            )
            .order_by(CarePlanGoal.id)
        )
    )


def _peg_readings(session: Session, patient: Patient, start: date) -> list[Reading]:
    zone = time_zone(patient.time_zone)
    # A day's earliest instant anywhere is 14 hours before UTC midnight: then filter by local day.
    since = datetime.combine(start, time(0), UTC) - timedelta(hours=14)
    rows = session.execute(
        select(QuestionnaireResponse.authored_at, QuestionnaireResponse.total_score)
        .where(
            QuestionnaireResponse.patient_id == patient.id,
            QuestionnaireResponse.questionnaire == PEG,
            QuestionnaireResponse.total_score.is_not(None),
            QuestionnaireResponse.authored_at >= since,
        )
        .order_by(QuestionnaireResponse.authored_at.desc(), QuestionnaireResponse.id.desc())
        .limit(PEG_READINGS + 8)
    )
    readings = [
        Reading(authored.astimezone(zone).date(), float(score))
        for authored, score in rows
        if score is not None and authored.astimezone(zone).date() >= start
    ]
    return list(reversed(readings[:PEG_READINGS]))


def _daily_readings(
    session: Session, patient_id: int, measure: str, start: date, window: int
) -> list[Reading]:
    column = WearableDay.steps if measure == "steps" else WearableDay.active_minutes
    latest = session.scalar(
        select(WearableDay.day)
        .where(
            WearableDay.patient_id == patient_id,
            WearableDay.day >= start,
            column.is_not(None),
        )
        .order_by(WearableDay.day.desc())
        .limit(1)
    )
    if latest is None:
        return []
    first = max(start, latest - timedelta(days=2 * window - 1))
    rows = session.execute(
        select(WearableDay.day, column).where(
            WearableDay.patient_id == patient_id,
            WearableDay.day >= first,
            WearableDay.day <= latest,
            column.is_not(None),
        )
    )
    return [Reading(day, float(value)) for day, value in rows if value is not None]


def _evaluate_one(
    session: Session, patient: Patient, goal: CarePlanGoal, today: date
) -> GoalEvaluation:
    kind = find_goal_kind(goal.kind)
    target = GoalTarget(goal.kind, goal.target, goal.start_date, goal.due_date)
    if kind is None:
        readings: list[Reading] = []
    elif kind.measure == PEG:
        readings = _peg_readings(session, patient, goal.start_date)
    elif kind.daily and kind.measure and kind.window_days:
        readings = _daily_readings(
            session, patient.id, kind.measure, goal.start_date, kind.window_days
        )
    else:
        readings = []
    return evaluate_goal(target, readings, today=today)


def _store(goal: CarePlanGoal, result: GoalEvaluation, who: Actor | None) -> str | None:
    """Write the evaluation onto the goal; a line for the audit trail when the status moved."""
    achievement = CareGoalAchievement(result.achievement.value) if result.achievement else None
    lifecycle = CareGoalLifecycle.completed if result.met else goal.lifecycle_status
    before = (goal.achievement_status, goal.lifecycle_status)
    fields: dict[str, Any] = {
        "achievement_status": achievement,
        "lifecycle_status": lifecycle,
        "latest_value": result.value,
        "latest_on": result.observed_on,
        "progress": result.summary[:300],
    }
    if result.met:
        fields["achieved_on"] = result.observed_on
    if all(getattr(goal, name) == value for name, value in fields.items()):
        return None
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.evaluated_at = utcnow()
    if who is not None:
        goal.updated_by = who.user_id
    if before == (achievement, lifecycle):
        return None
    old = before[0].value if before[0] else "none"
    new = achievement.value if achievement else "none"
    return f"goal {goal.kind}: {old} → {new}, {lifecycle.value} ({result.summary})"


def evaluate_goals(
    session: Session, who: PatientAccess | Patient, *, trigger: str, today: date | None = None
) -> list[CarePlanGoal]:
    """Evaluate the patient's active goals that read monitoring data; the goals whose status
    changed. With a bare `Patient` (the daily sweep) painpath itself is the actor."""
    patient = who.patient if isinstance(who, PatientAccess) else who
    actor = who.actor if isinstance(who, PatientAccess) else None
    day = today or patient_today(patient)
    changed = []
    for goal in _active_goals(session, patient.id):
        kind = find_goal_kind(goal.kind)
        if kind is None or not kind.automatic:
            continue  # reviewed by the care team, or a kind this release does not know
        line = _store(goal, _evaluate_one(session, patient, goal, day), actor)
        if line is not None:
            changed.append(goal)
            audit.record(
                session,
                actor=actor,
                action="update",
                resource_type="Goal",
                patient_id=patient.id,
                resource_id=goal.id,
                detail=f"{line}; evaluated after {trigger}",
            )
    if changed:
        session.flush()
    return changed


def get_goal(session: Session, *, access: PatientAccess, goal_id: int) -> CarePlanGoal:
    goal = session.get(CarePlanGoal, goal_id)
    if goal is None or goal.patient_id != access.patient_id:
        raise NotFound(f"goal {goal_id} not found for patient {access.patient_id}")
    return goal


def add_goal(session: Session, *, access: PatientAccess, data: GoalCreate) -> CarePlanGoal:
    """Add a goal (creating a draft plan if needed) and evaluate it on the data already stored."""
    try:
        target = check_target(data.kind, data.target)
    except ValueError as error:
        raise InvalidInput(str(error), field="target") from None
    plan = ensure_plan(session, access=access)
    goal = CarePlanGoal(
        patient_id=access.patient_id,
        plan_id=plan.id,
        kind=data.kind,
        description=data.description or plain_goal(data.kind, target, ""),
        target=target,
        start_date=data.start_date,
        due_date=data.due_date,
        lifecycle_status=CareGoalLifecycle(data.lifecycle_status),
        created_by=access.actor.user_id,
        updated_by=access.actor.user_id,
    )
    session.add(goal)
    session.flush()
    access.note_resource(goal.id)
    access.event.detail = f"goal {goal.kind} added"
    if goal.lifecycle_status is CareGoalLifecycle.active:
        evaluate_goals(session, access, trigger="the goal was added")
    return goal


def update_goal(
    session: Session, *, access: PatientAccess, goal_id: int, data: GoalUpdate
) -> CarePlanGoal:
    goal = get_goal(session, access=access, goal_id=goal_id)
    changes = data.model_dump(exclude_unset=True)
    if "target" in changes:
        try:
            goal.target = check_target(goal.kind, data.target)
        except ValueError as error:
            raise InvalidInput(str(error), field="target") from None
    if "due_date" in changes:
        if data.due_date is not None and data.due_date < goal.start_date:
            raise InvalidInput("due_date is before the goal's start_date", field="due_date")
        goal.due_date = data.due_date
    if data.description is not None:
        goal.description = data.description
    if data.lifecycle_status is not None:
        current = GoalLifecycle(goal.lifecycle_status.value)
        if data.lifecycle_status is not current:
            try:
                check_goal_transition(current, data.lifecycle_status)
            except TransitionRefused as error:
                raise refused(error) from None
            goal.lifecycle_status = CareGoalLifecycle(data.lifecycle_status.value)
            if data.lifecycle_status is GoalLifecycle.completed and goal.achieved_on is None:
                # The clinician judged it met (a goal the care team reviews).
                goal.achievement_status = CareGoalAchievement.achieved
                goal.achieved_on = patient_today(access.patient)
            access.event.detail = f"goal {current.value} → {data.lifecycle_status.value}"
    goal.updated_by = access.actor.user_id
    goal.updated_at = utcnow()
    session.flush()
    if goal.lifecycle_status is CareGoalLifecycle.active:
        evaluate_goals(session, access, trigger="the goal was changed")
    return goal


def count_active(session: Session, patient_id: int) -> int:
    return len(_active_goals(session, patient_id))
