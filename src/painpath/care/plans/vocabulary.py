"""The care plan's vocabulary and its state machines, shaped after FHIR R4 CarePlan and Goal.

Every status is defined once here; the database columns, the API schemas and the FHIR export
use these enums. A transition the table does not allow raises `TransitionRefused` naming the
current and the requested state, so the shells can answer 409/422 with a clear message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

S = TypeVar("S", bound=StrEnum)


class TransitionRefused(ValueError):
    """A status change the lifecycle does not allow, or one without its required reason."""

    def __init__(self, message: str, *, field: str = "status") -> None:
        super().__init__(message)
        self.field = field


class PlanStatus(StrEnum):
    """CarePlan.status (FHIR R4 request-status), the subset a clinic uses."""

    draft = "draft"
    active = "active"
    on_hold = "on-hold"
    completed = "completed"
    revoked = "revoked"


class ActivityStatus(StrEnum):
    """An activity's lifecycle: proposed → active → completed, or stopped with a coded reason."""

    proposed = "proposed"
    active = "active"
    completed = "completed"
    stopped = "stopped"


class StopReason(StrEnum):
    """Why an activity was stopped; the first four are how `care.inputs.Tried` reads an ending."""

    inadequate_response = "inadequate_response"
    intolerance = "intolerance"
    loss_of_response = "loss_of_response"
    contraindicated = "contraindicated"
    patient_declined = "patient_declined"
    access_or_cost = "access_or_cost"
    goals_met = "goals_met"
    other = "other"


#: Stop reasons that say the therapy itself did not work or could not be taken: they feed `tried`.
TRIED_OUTCOMES = frozenset(
    {
        StopReason.inadequate_response,
        StopReason.intolerance,
        StopReason.loss_of_response,
        StopReason.contraindicated,
    }
)


class GoalLifecycle(StrEnum):
    """Goal.lifecycleStatus (FHIR R4), the subset a clinic uses."""

    proposed = "proposed"
    active = "active"
    on_hold = "on-hold"
    completed = "completed"
    cancelled = "cancelled"


class GoalAchievement(StrEnum):
    """Goal.achievementStatus (FHIR R4 goal-achievement value set)."""

    in_progress = "in-progress"
    improving = "improving"
    worsening = "worsening"
    no_change = "no-change"
    achieved = "achieved"
    not_achieved = "not-achieved"
    no_progress = "no-progress"


class SessionStatus(StrEnum):
    """A scheduled session of a course (CBT, MBSR, acupuncture, PRP, physiotherapy …)."""

    scheduled = "scheduled"
    attended = "attended"
    missed = "missed"
    cancelled = "cancelled"


PLAN_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.draft: frozenset({PlanStatus.active, PlanStatus.revoked}),
    PlanStatus.active: frozenset({PlanStatus.on_hold, PlanStatus.completed, PlanStatus.revoked}),
    PlanStatus.on_hold: frozenset({PlanStatus.active, PlanStatus.completed, PlanStatus.revoked}),
    PlanStatus.completed: frozenset(),
    PlanStatus.revoked: frozenset(),
}

ACTIVITY_TRANSITIONS: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.proposed: frozenset({ActivityStatus.active, ActivityStatus.stopped}),
    ActivityStatus.active: frozenset({ActivityStatus.completed, ActivityStatus.stopped}),
    ActivityStatus.completed: frozenset(),
    ActivityStatus.stopped: frozenset(),
}

GOAL_TRANSITIONS: dict[GoalLifecycle, frozenset[GoalLifecycle]] = {
    GoalLifecycle.proposed: frozenset({GoalLifecycle.active, GoalLifecycle.cancelled}),
    GoalLifecycle.active: frozenset(
        {GoalLifecycle.on_hold, GoalLifecycle.completed, GoalLifecycle.cancelled}
    ),
    GoalLifecycle.on_hold: frozenset({GoalLifecycle.active, GoalLifecycle.cancelled}),
    GoalLifecycle.completed: frozenset(),
    GoalLifecycle.cancelled: frozenset(),
}

#: Where a session may go once recorded: a recorded session can be corrected, never re-opened.
SESSION_TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.scheduled: frozenset(
        {SessionStatus.attended, SessionStatus.missed, SessionStatus.cancelled}
    ),
    SessionStatus.attended: frozenset({SessionStatus.missed}),
    SessionStatus.missed: frozenset({SessionStatus.attended}),
    SessionStatus.cancelled: frozenset(),
}


def _check(table: dict[S, frozenset[S]], what: str, current: S, wanted: S) -> None:
    if wanted not in table[current]:
        allowed = ", ".join(sorted(s.value for s in table[current])) or "none (it is final)"
        raise TransitionRefused(
            f"{what} cannot go from {current.value!r} to {wanted.value!r}; allowed: {allowed}"
        )


def check_plan_transition(current: PlanStatus, wanted: PlanStatus) -> None:
    _check(PLAN_TRANSITIONS, "a care plan", current, wanted)


def check_goal_transition(current: GoalLifecycle, wanted: GoalLifecycle) -> None:
    _check(GOAL_TRANSITIONS, "a goal", current, wanted)


def check_session_transition(current: SessionStatus, wanted: SessionStatus) -> None:
    _check(SESSION_TRANSITIONS, "a session", current, wanted)


def check_activity_transition(
    current: ActivityStatus, wanted: ActivityStatus, reason: StopReason | None
) -> None:
    """Refuse a change the lifecycle does not allow; stopping needs a coded reason."""
    _check(ACTIVITY_TRANSITIONS, "an activity", current, wanted)
    if wanted is ActivityStatus.stopped and reason is None:
        raise TransitionRefused(
            "stopping an activity needs a reason: one of " + ", ".join(r.value for r in StopReason),
            field="reason",
        )
    if wanted is not ActivityStatus.stopped and reason is not None:
        raise TransitionRefused(
            "a reason is only given when an activity is stopped", field="reason"
        )
