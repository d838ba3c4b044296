"""Reading the whole plan: goals evaluated on read (nothing missed between imports), then the
plan with its goals, activities and sessions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from painpath.models.care_plan import CarePlan, CarePlanActivity, CarePlanGoal, CarePlanSession
from painpath.services.access import PatientAccess
from painpath.services.care.plans.goals import evaluate_goals
from painpath.services.care.plans.store import (
    activities_of,
    find_plan,
    get_plan,
    goals_of,
    sessions_by_activity,
)


@dataclass(frozen=True, slots=True)
class StoredPlan:
    plan: CarePlan
    goals: list[CarePlanGoal]
    activities: list[CarePlanActivity]
    sessions: dict[int, list[CarePlanSession]]


def _load(session: Session, access: PatientAccess, plan: CarePlan) -> StoredPlan:
    evaluate_goals(session, access, trigger="the plan was read")
    access.note_resource(plan.id)
    return StoredPlan(
        plan=plan,
        goals=goals_of(session, plan),
        activities=activities_of(session, plan),
        sessions=sessions_by_activity(session, plan),
    )


def read_plan(session: Session, *, access: PatientAccess) -> StoredPlan:
    """The plan (404 when the patient has none), goals evaluated first."""
    return _load(session, access, get_plan(session, access=access))


def read_plan_if_any(session: Session, *, access: PatientAccess) -> StoredPlan | None:
    plan = find_plan(session, access.patient_id)
    return None if plan is None else _load(session, access, plan)
