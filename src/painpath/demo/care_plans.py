"""Care plans for the first demo patients: goals the monitoring data can meet, courses with
booked and attended sessions, and one stopped medicine (so `tried` has something to show).

Bulk inserts like the rest of the seed; written inside the caller's transaction. The plans are
synthetic and follow the suggestions for chronic pain in general (CBT, physiotherapy, MBSR,
yoga), not any one patient's suggestions. Goals are evaluated the first time the plan is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from painpath.care import knowledge
from painpath.care.plans import plain_goal, schedule_template, session_days
from painpath.demo.cohort import PatientDraft
from painpath.models.care_plan import (
    CareActivityStatus,
    CareGoalLifecycle,
    CarePlan,
    CarePlanActivity,
    CarePlanGoal,
    CarePlanSession,
    CarePlanStatus,
    CareSessionStatus,
    CareStopReason,
)

#: How many of the cohort's first patients get a plan (the patients with demo logins first).
PLANNED_PATIENTS = 12
#: (therapy, course template) rotated over the planned patients.
COURSES = (
    ("cbt", "cbt_weekly"),
    ("exercise_therapy", "physiotherapy_course"),
    ("mbsr", "mbsr_8_weeks"),
    ("yoga", "yoga_12_weeks"),
)
#: Sessions already held (attended, except the third, missed) when the demo starts.
HELD_SESSIONS = 4


def _insert_returning_id(session: Session, model: Any, row: dict[str, Any]) -> int:
    table = model.__table__
    return int(session.scalars(insert(table).returning(table.c.id), [row]).one())


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(model.__table__), rows)


def _goals(patient_id: int, plan_id: int, clinician: int, as_of: date) -> list[dict[str, Any]]:
    goals = (
        ("peg_max", 4.0, 56),
        ("daily_steps_min", 6000.0, 28),
        ("active_minutes_min", 30.0, 28),
    )
    return [
        {
            "patient_id": patient_id,
            "plan_id": plan_id,
            "kind": kind,
            "description": plain_goal(kind, target, ""),
            "target": target,
            "start_date": as_of - timedelta(days=days_ago),
            "due_date": as_of + timedelta(days=84),
            "lifecycle_status": CareGoalLifecycle.active,
            "created_by": clinician,
            "updated_by": clinician,
        }
        for kind, target, days_ago in goals
    ]


def _course(
    session: Session, patient_id: int, plan_id: int, clinician: int, as_of: date, index: int
) -> int:
    therapy_id, template_id = COURSES[index % len(COURSES)]
    therapy = knowledge().therapies[therapy_id]
    template = schedule_template(template_id)
    first = as_of - timedelta(days=template.interval_days * (HELD_SESSIONS - 1))
    now = datetime.combine(as_of, time(12), UTC)
    activity_id = _insert_returning_id(
        session,
        CarePlanActivity,
        {
            "patient_id": patient_id,
            "plan_id": plan_id,
            "therapy": therapy.id,
            "family": therapy.family,
            "title": therapy.name,
            "status": CareActivityStatus.active,
            "start_date": first,
            "schedule": template.id,
            "basis": "Offered from the care suggestions (synthetic demo plan).",
            "created_by": clinician,
            "status_changed_by": clinician,
            "status_changed_at": now,
        },
    )
    days = session_days(first, count=template.sessions, interval_days=template.interval_days)
    rows = []
    for sequence, day in enumerate(days, start=1):
        held = sequence <= HELD_SESSIONS
        status = CareSessionStatus.scheduled
        if held:
            status = CareSessionStatus.missed if sequence == 3 else CareSessionStatus.attended
        rows.append(
            {
                "patient_id": patient_id,
                "activity_id": activity_id,
                "sequence": sequence,
                "scheduled_on": day,
                "status": status,
                "recorded_by": clinician if held else None,
                "recorded_at": now if held else None,
            }
        )
    _bulk(session, CarePlanSession, rows)
    return activity_id


def _stopped_medicine(patient_id: int, plan_id: int, clinician: int, as_of: date) -> dict[str, Any]:
    therapy = knowledge().therapies["duloxetine"]
    return {
        "patient_id": patient_id,
        "plan_id": plan_id,
        "therapy": therapy.id,
        "family": therapy.family,
        "title": therapy.name,
        "status": CareActivityStatus.stopped,
        "stop_reason": CareStopReason.inadequate_response,
        "status_note": "Less than 30 % pain relief after 12 weeks at 60 mg (synthetic).",
        "start_date": as_of - timedelta(days=140),
        "stop_date": as_of - timedelta(days=56),
        "created_by": clinician,
        "status_changed_by": clinician,
        "status_changed_at": datetime.combine(as_of - timedelta(days=56), time(12), UTC),
    }


def seed_care_plans(
    session: Session,
    *,
    drafts: Sequence[PatientDraft],
    patient_ids: Sequence[int],
    user_ids: dict[str, int],
    as_of: date,
) -> int:
    """Give the first PLANNED_PATIENTS patients an active plan; the number of plans written."""
    written = 0
    for index, (draft, patient_id) in enumerate(zip(drafts, patient_ids, strict=True)):
        if index >= PLANNED_PATIENTS:
            break
        clinician = user_ids[draft.clinicians[0]]
        plan_id = _insert_returning_id(
            session,
            CarePlan,
            {
                "patient_id": patient_id,
                "status": CarePlanStatus.active,
                "title": "Multimodal pain care plan",
                "description": "Function first: activity, a psychological or movement "
                "programme, and medicines reviewed (synthetic demo plan).",
                "created_by": clinician,
                "updated_by": clinician,
            },
        )
        _bulk(session, CarePlanGoal, _goals(patient_id, plan_id, clinician, as_of))
        _course(session, patient_id, plan_id, clinician, as_of, index)
        if index % 2 == 0:
            _bulk(
                session,
                CarePlanActivity,
                [_stopped_medicine(patient_id, plan_id, clinician, as_of)],
            )
        written += 1
    return written
