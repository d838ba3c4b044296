"""Care plans, pure: the vocabulary and lifecycles (FHIR CarePlan and Goal), goal kinds and how
each is evaluated from monitoring data, course templates for scheduled sessions, and the
`tried` entries a stopped activity gives the suggestion engine.

No web, database or settings; the services store plans and call these functions.
"""

from painpath.care.plans.goals import (
    GoalEvaluation,
    GoalTarget,
    Reading,
    check_target,
    evaluate_goal,
    find_goal_kind,
    goal_kind,
    plain_goal,
)
from painpath.care.plans.knowledge import GoalKind, ScheduleTemplate, plan_knowledge
from painpath.care.plans.schedules import (
    course_complete,
    schedule_template,
    session_days,
    templates_for,
)
from painpath.care.plans.tried import EndedActivity, tried_entries
from painpath.care.plans.vocabulary import (
    TRIED_OUTCOMES,
    ActivityStatus,
    GoalAchievement,
    GoalLifecycle,
    PlanStatus,
    SessionStatus,
    StopReason,
    TransitionRefused,
    check_activity_transition,
    check_goal_transition,
    check_plan_transition,
    check_session_transition,
)

__all__ = [
    "TRIED_OUTCOMES",
    "ActivityStatus",
    "EndedActivity",
    "GoalAchievement",
    "GoalEvaluation",
    "GoalKind",
    "GoalLifecycle",
    "GoalTarget",
    "PlanStatus",
    "Reading",
    "ScheduleTemplate",
    "SessionStatus",
    "StopReason",
    "TransitionRefused",
    "check_activity_transition",
    "check_goal_transition",
    "check_plan_transition",
    "check_session_transition",
    "check_target",
    "course_complete",
    "evaluate_goal",
    "find_goal_kind",
    "goal_kind",
    "plain_goal",
    "plan_knowledge",
    "schedule_template",
    "session_days",
    "templates_for",
    "tried_entries",
]
