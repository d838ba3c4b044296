"""A patient's care plan (FHIR CarePlan): goals, activities and the scheduled sessions of courses.

One plan per patient. The statuses mirror `painpath.care.plans.vocabulary`, whose functions
decide every transition (models sit below the engines, so the values are repeated here and a
test keeps the two equal). Who changed what is on the rows and, in full, in the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned, Timestamps


class CarePlanStatus(StrEnum):
    draft = "draft"
    active = "active"
    on_hold = "on-hold"
    completed = "completed"
    revoked = "revoked"


class CareActivityStatus(StrEnum):
    proposed = "proposed"
    active = "active"
    completed = "completed"
    stopped = "stopped"


class CareStopReason(StrEnum):
    inadequate_response = "inadequate_response"
    intolerance = "intolerance"
    loss_of_response = "loss_of_response"
    contraindicated = "contraindicated"
    patient_declined = "patient_declined"
    access_or_cost = "access_or_cost"
    goals_met = "goals_met"
    other = "other"


class CareGoalLifecycle(StrEnum):
    proposed = "proposed"
    active = "active"
    on_hold = "on-hold"
    completed = "completed"
    cancelled = "cancelled"


class CareGoalAchievement(StrEnum):
    in_progress = "in-progress"
    improving = "improving"
    worsening = "worsening"
    no_change = "no-change"
    achieved = "achieved"
    not_achieved = "not-achieved"
    no_progress = "no-progress"


class CareSessionStatus(StrEnum):
    scheduled = "scheduled"
    attended = "attended"
    missed = "missed"
    cancelled = "cancelled"


def _user() -> Mapped[int | None]:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CarePlan(PatientOwned, Timestamps, Base):
    __tablename__ = "care_plans"
    __table_args__ = (UniqueConstraint("patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[CarePlanStatus] = mapped_column(
        str_enum(CarePlanStatus, "care_plan_status"), default=CarePlanStatus.draft
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    # The pain condition the plan addresses (a painpath care condition id).
    condition: Mapped[str | None] = mapped_column(String(60))
    created_by: Mapped[int | None] = _user()
    updated_by: Mapped[int | None] = _user()


class CarePlanGoal(PatientOwned, Timestamps, Base):
    __tablename__ = "care_plan_goals"
    __table_args__ = (
        Index("ix_care_plan_goals_patient_lifecycle", "patient_id", "lifecycle_status"),
        CheckConstraint("due_date IS NULL OR due_date >= start_date", name="due_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("care_plans.id", ondelete="CASCADE"), index=True
    )
    # A goal kind of painpath.care.plans (peg_max, daily_steps_min, active_minutes_min, custom).
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(500))
    target: Mapped[float | None]
    # The patient's local days: data before start_date does not count towards the goal.
    start_date: Mapped[date]
    due_date: Mapped[date | None]
    lifecycle_status: Mapped[CareGoalLifecycle] = mapped_column(
        str_enum(CareGoalLifecycle, "care_goal_lifecycle"), default=CareGoalLifecycle.active
    )
    achievement_status: Mapped[CareGoalAchievement | None] = mapped_column(
        str_enum(CareGoalAchievement, "care_goal_achievement")
    )
    achieved_on: Mapped[date | None]
    # The last evaluation: the value it read (PEG score, days met), its day, and in words.
    latest_value: Mapped[float | None]
    latest_on: Mapped[date | None]
    progress: Mapped[str | None] = mapped_column(String(300))
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = _user()
    updated_by: Mapped[int | None] = _user()


class CarePlanActivity(PatientOwned, Timestamps, Base):
    __tablename__ = "care_plan_activities"
    __table_args__ = (
        Index("ix_care_plan_activities_patient_status", "patient_id", "status"),
        CheckConstraint(
            "stop_date IS NULL OR start_date IS NULL OR stop_date >= start_date",
            name="stop_after_start",
        ),
        CheckConstraint(
            "(status = 'stopped') = (stop_reason IS NOT NULL)", name="stopped_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("care_plans.id", ondelete="CASCADE"), index=True
    )
    # A therapy id of painpath.care.knowledge().therapies, and its family (medicine, biologic …).
    therapy: Mapped[str] = mapped_column(String(60))
    family: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[CareActivityStatus] = mapped_column(
        str_enum(CareActivityStatus, "care_activity_status"), default=CareActivityStatus.proposed
    )
    stop_reason: Mapped[CareStopReason | None] = mapped_column(
        str_enum(CareStopReason, "care_stop_reason")
    )
    status_note: Mapped[str | None] = mapped_column(String(500))
    start_date: Mapped[date | None]
    stop_date: Mapped[date | None]
    # The course template its sessions were laid out from (painpath.care.plans schedules).
    schedule: Mapped[str | None] = mapped_column(String(40))
    # Why it was chosen: the suggestion's line and guideline sources, as the clinician saw them.
    basis: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[int | None] = _user()
    status_changed_by: Mapped[int | None] = _user()
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CarePlanSession(PatientOwned, Timestamps, Base):
    __tablename__ = "care_plan_sessions"
    __table_args__ = (
        UniqueConstraint("activity_id", "sequence"),
        Index("ix_care_plan_sessions_patient_day", "patient_id", "scheduled_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("care_plan_activities.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int]
    # The patient's local day the session is booked for.
    scheduled_on: Mapped[date]
    status: Mapped[CareSessionStatus] = mapped_column(
        str_enum(CareSessionStatus, "care_session_status"), default=CareSessionStatus.scheduled
    )
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[int | None] = _user()
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
