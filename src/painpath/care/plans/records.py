"""Plain snapshots of a stored care plan, for exports (FHIR) and pages; the services fill them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from painpath.care.plans.vocabulary import (
    ActivityStatus,
    GoalAchievement,
    GoalLifecycle,
    PlanStatus,
    SessionStatus,
    StopReason,
)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    sequence: int
    scheduled_on: date
    status: SessionStatus


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    id: int
    therapy: str
    family: str
    title: str
    status: ActivityStatus
    stop_reason: StopReason | None
    start_date: date | None
    stop_date: date | None
    schedule: str | None
    sessions: tuple[SessionRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class GoalRecord:
    id: int
    kind: str
    description: str
    target: float | None
    start_date: date
    due_date: date | None
    lifecycle: GoalLifecycle
    achievement: GoalAchievement | None
    achieved_on: date | None
    latest_value: float | None
    latest_on: date | None


@dataclass(frozen=True, slots=True)
class PlanRecord:
    id: int
    patient_id: int
    status: PlanStatus
    title: str
    description: str | None
    created: datetime
    updated: datetime
    goals: tuple[GoalRecord, ...] = field(default=())
    activities: tuple[ActivityRecord, ...] = field(default=())
