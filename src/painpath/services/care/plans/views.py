"""The plan as the pages show it: goals in plain words with their progress, activities with
attendance, and what is due next (upcoming sessions, goals to work on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care import knowledge
from painpath.care.codes import condition_for
from painpath.care.plans import find_goal_kind, plain_goal, plan_knowledge, templates_for
from painpath.models.care_plan import (
    CareActivityStatus,
    CareGoalLifecycle,
    CarePlanActivity,
    CarePlanGoal,
    CarePlanSession,
    CareSessionStatus,
)
from painpath.models.condition import Condition
from painpath.services.access import PatientAccess
from painpath.services.care.plans.reads import StoredPlan, read_plan_if_any
from painpath.services.care.plans.store import patient_today
from painpath.services.care.suggestions import ACTIVE

#: Upcoming sessions shown under "what is due next".
DUE_SHOWN = 6

_ACHIEVEMENT_WORDS = {
    "in-progress": "in progress",
    "improving": "getting better",
    "worsening": "getting harder",
    "no-change": "no change yet",
    "achieved": "achieved",
    "not-achieved": "not reached by its date",
    "no-progress": "no progress yet",
}
_ACTIVITY_WORDS = {
    "proposed": "suggested, not started",
    "active": "under way",
    "completed": "completed",
    "stopped": "stopped",
}


@dataclass(frozen=True, slots=True)
class GoalView:
    row: CarePlanGoal
    plain: str
    rule: str
    source: str
    progress: str
    achievement_words: str
    open: bool


@dataclass(frozen=True, slots=True)
class ActivityView:
    row: CarePlanActivity
    status_words: str
    sessions: list[CarePlanSession]
    attended: int
    templates: list[tuple[str, str]]  # (template id, name) for this therapy

    @property
    def open(self) -> bool:
        return self.row.status in (CareActivityStatus.proposed, CareActivityStatus.active)


@dataclass(frozen=True, slots=True)
class DueSession:
    title: str
    sequence: int
    of: int
    day: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class PlanView:
    stored: StoredPlan | None
    today: date
    goals: list[GoalView]
    activities: list[ActivityView]
    due: list[DueSession]
    due_more: int
    goals_to_work_on: list[GoalView]


def goal_view(goal: CarePlanGoal) -> GoalView:
    kind = find_goal_kind(goal.kind)
    plain = plain_goal(goal.kind, goal.target, goal.description)
    achievement = goal.achievement_status.value if goal.achievement_status else None
    open_goal = goal.lifecycle_status in (CareGoalLifecycle.active, CareGoalLifecycle.proposed)
    return GoalView(
        row=goal,
        plain=goal.description if kind is None or goal.kind == "custom" else plain,
        rule=kind.rule if kind else "A goal kind this version of painpath does not know.",
        source=kind.source if kind else "",
        progress=goal.progress
        or ("reviewed by your care team" if kind is None or not kind.automatic else ""),
        achievement_words=_ACHIEVEMENT_WORDS.get(achievement or "", "no data yet"),
        open=open_goal,
    )


def plan_view(session: Session, *, access: PatientAccess) -> PlanView:
    """The plan (goals evaluated first) shaped for the pages; an empty view without a plan."""
    today = patient_today(access.patient)
    stored = read_plan_if_any(session, access=access)
    if stored is None:
        return PlanView(None, today, [], [], [], 0, [])
    goals = [goal_view(goal) for goal in stored.goals]
    activities = []
    due: list[DueSession] = []
    for row in stored.activities:
        sessions = stored.sessions.get(row.id, [])
        activities.append(
            ActivityView(
                row=row,
                status_words=_ACTIVITY_WORDS.get(row.status.value, row.status.value),
                sessions=sessions,
                attended=sum(s.status is CareSessionStatus.attended for s in sessions),
                templates=[(t.id, t.name) for t in templates_for(row.therapy)],
            )
        )
        due += [
            DueSession(row.title, s.sequence, len(sessions), s.scheduled_on, s.scheduled_on < today)
            for s in sessions
            if s.status is CareSessionStatus.scheduled
        ]
    due.sort(key=lambda item: (item.day, item.title))
    return PlanView(
        stored=stored,
        today=today,
        goals=goals,
        activities=activities,
        due=due[:DUE_SHOWN],
        due_more=max(0, len(due) - DUE_SHOWN),
        goals_to_work_on=[g for g in goals if g.row.lifecycle_status is CareGoalLifecycle.active],
    )


def goal_kind_choices() -> list[tuple[str, str, str]]:
    """(id, name, default target text) for the add-goal form."""
    return [
        (k.id, k.name, "" if k.default_target is None else f"{k.default_target:g}")
        for k in plan_knowledge().goal_kinds.values()
    ]


def therapy_choices() -> list[tuple[str, str, str]]:
    """(id, name, family) of every therapy, by family then name, for the add-activity form."""
    therapies = knowledge().therapies.values()
    return sorted(((t.id, t.name, t.family) for t in therapies), key=lambda t: (t[2], t[1]))


def pain_conditions(session: Session, *, access: PatientAccess) -> list[tuple[str, str]]:
    """(painpath condition id, name) for each active coded pain condition in the record, for
    choosing which condition the suggestions are for."""
    rows = session.scalars(
        select(Condition.code)
        .where(Condition.patient_id == access.patient_id, Condition.clinical_status.in_(ACTIVE))
        .order_by(Condition.id)
    )
    found = dict.fromkeys(filter(None, (condition_for(code) for code in rows)))
    conditions = knowledge().conditions
    return [(cid, conditions[cid].name) for cid in found if cid in conditions]
