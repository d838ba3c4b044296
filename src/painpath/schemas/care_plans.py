"""Care plans as the API takes and gives them: the plan, its goals, activities and sessions.

The statuses are the engine's enums (painpath.care.plans), so the OpenAPI schema lists them once.
Goal kinds, therapies and course templates are data; an unknown one is refused naming the
allowed values.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from painpath.care import knowledge
from painpath.care.plans import (
    ActivityStatus,
    GoalAchievement,
    GoalLifecycle,
    PlanStatus,
    SessionStatus,
    StopReason,
    plan_knowledge,
)
from painpath.schemas.base import Day, InputModel, Note, Omittable, OutputModel, ShortText


def _goal_kind(value: str) -> str:
    kinds = plan_knowledge().goal_kinds
    if value not in kinds:
        raise ValueError(f"unknown goal kind {value[:40]!r}; one of {', '.join(kinds)}")
    return value


def _therapy(value: str) -> str:
    if value not in knowledge().therapies:
        raise ValueError(f"unknown therapy {value[:60]!r} (see docs/care.md for the ids)")
    return value


def _template(value: str) -> str:
    templates = plan_knowledge().schedules
    if value not in templates:
        raise ValueError(f"unknown schedule {value[:40]!r}; one of {', '.join(templates)}")
    return value


GoalKindId = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_goal_kind)]
TherapyId = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(_therapy)]
TemplateId = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_template)]
Condition = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
Basis = Annotated[str, Field(max_length=1000)]
Target = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]


class CarePlanCreate(InputModel):
    title: ShortText = "Care plan"
    description: Note | None = None
    condition: Condition | None = None
    status: Literal["draft", "active"] = "draft"


class CarePlanUpdate(InputModel):
    title: Omittable[ShortText] = None
    description: Note | None = None
    condition: Condition | None = None
    status: Omittable[PlanStatus] = None


class GoalCreate(InputModel):
    kind: GoalKindId
    # Left out: the kind's default (PEG 4, 6,000 steps, 30 minutes). None for a custom goal.
    target: Target | None = None
    # Required for a custom goal; otherwise the kind's own wording is used when left out.
    description: ShortText | None = None
    # The patient's local day from which data counts towards the goal.
    start_date: Day
    due_date: Day | None = None
    lifecycle_status: Literal["proposed", "active"] = "active"

    @model_validator(mode="after")
    def _dates_and_text(self) -> GoalCreate:
        if self.due_date is not None and self.due_date < self.start_date:
            raise ValueError("due_date is before start_date")
        if self.kind == "custom" and not self.description:
            raise ValueError("a custom goal needs a description")
        return self


class GoalUpdate(InputModel):
    lifecycle_status: Omittable[GoalLifecycle] = None
    description: Omittable[ShortText] = None
    target: Target | None = None
    due_date: Day | None = None


class ActivityCreate(InputModel):
    therapy: TherapyId
    status: Literal["proposed", "active"] = "proposed"
    # The day it starts (an active activity); left out: the patient's today.
    start_date: Day | None = None
    # Why it was chosen, e.g. the suggestion's line and sources.
    basis: Basis | None = None
    note: Note | None = None


class ActivityUpdate(InputModel):
    status: ActivityStatus
    # Required when stopping; refused otherwise.
    reason: StopReason | None = None
    # The day the change takes effect (start or stop); left out: the patient's today.
    effective_date: Day | None = None
    note: Annotated[str, Field(max_length=500)] | None = None


class SessionsCreate(InputModel):
    # A course template (painpath.care.plans); its therapy must be the activity's.
    template: TemplateId | None = None
    first_day: Day
    # Left out: the template's count; without a template, required.
    count: Annotated[int, Field(ge=1, le=52)] | None = None
    interval_days: Annotated[int, Field(ge=1, le=90)] | None = None

    @model_validator(mode="after")
    def _needs_a_shape(self) -> SessionsCreate:
        if self.template is None and (self.count is None or self.interval_days is None):
            raise ValueError("give a template, or count and interval_days")
        return self


class SessionUpdate(InputModel):
    status: Literal["attended", "missed", "cancelled"]
    note: Annotated[str, Field(max_length=500)] | None = None


class SessionRead(OutputModel):
    id: int
    activity_id: int
    sequence: int
    scheduled_on: date
    status: SessionStatus
    note: str | None
    recorded_by: int | None
    recorded_at: datetime | None


class ActivityRead(OutputModel):
    id: int
    therapy: str
    family: str
    title: str
    status: ActivityStatus
    stop_reason: StopReason | None
    status_note: str | None
    start_date: date | None
    stop_date: date | None
    schedule: str | None
    basis: str | None
    created_by: int | None
    status_changed_by: int | None
    status_changed_at: datetime | None
    sessions: list[SessionRead] = Field(default_factory=list)


class GoalRead(OutputModel):
    id: int
    kind: str
    description: str
    target: float | None
    start_date: date
    due_date: date | None
    lifecycle_status: GoalLifecycle
    achievement_status: GoalAchievement | None
    achieved_on: date | None
    latest_value: float | None
    latest_on: date | None
    progress: str | None
    evaluated_at: datetime | None


class CarePlanRead(OutputModel):
    id: int
    patient_id: int
    status: PlanStatus
    title: str
    description: str | None
    condition: str | None
    created_at: datetime
    updated_at: datetime
    created_by: int | None
    updated_by: int | None
    goals: list[GoalRead] = Field(default_factory=list)
    activities: list[ActivityRead] = Field(default_factory=list)


class GoalEvaluationRead(OutputModel):
    evaluated: int
    changed: list[GoalRead]
