"""Activities on the plan: a therapy of any family, with its lifecycle
proposed → active → completed, or stopped with a coded reason (painpath.care.plans)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from painpath.care import knowledge
from painpath.care.plans import (
    ActivityStatus,
    StopReason,
    TransitionRefused,
    check_activity_transition,
)
from painpath.kit.clock import utcnow
from painpath.models.care_plan import (
    CareActivityStatus,
    CarePlanActivity,
    CarePlanSession,
    CareSessionStatus,
    CareStopReason,
)
from painpath.schemas.care_plans import ActivityCreate, ActivityUpdate
from painpath.services.access import PatientAccess
from painpath.services.care.plans.store import ensure_plan, patient_today, refused
from painpath.services.errors import InvalidInput, NotFound


def get_activity(session: Session, *, access: PatientAccess, activity_id: int) -> CarePlanActivity:
    activity = session.get(CarePlanActivity, activity_id)
    if activity is None or activity.patient_id != access.patient_id:
        raise NotFound(f"activity {activity_id} not found for patient {access.patient_id}")
    return activity


def list_activities(session: Session, *, patient_id: int) -> list[CarePlanActivity]:
    return list(
        session.scalars(
            select(CarePlanActivity)
            .where(CarePlanActivity.patient_id == patient_id)
            .order_by(CarePlanActivity.id)
        )
    )


def add_activity(
    session: Session, *, access: PatientAccess, data: ActivityCreate
) -> CarePlanActivity:
    """Add a therapy to the plan (creating a draft plan if needed), proposed or already active."""
    therapy = knowledge().therapies[data.therapy]
    start = data.start_date
    if data.status == ActivityStatus.active and start is None:
        start = patient_today(access.patient)
    if start is not None and start < access.patient.birth_date:
        raise InvalidInput("start_date is before the patient's birth date", field="start_date")
    plan = ensure_plan(session, access=access)
    activity = CarePlanActivity(
        patient_id=access.patient_id,
        plan_id=plan.id,
        therapy=therapy.id,
        family=therapy.family,
        title=therapy.name[:200],
        status=CareActivityStatus(data.status),
        status_note=data.note[:500] if data.note else None,
        start_date=start,
        basis=data.basis,
        created_by=access.actor.user_id,
        status_changed_by=access.actor.user_id,
        status_changed_at=utcnow(),
    )
    session.add(activity)
    session.flush()
    access.note_resource(activity.id)
    access.event.detail = f"activity {therapy.id} added as {data.status}"
    return activity


def set_status(
    activity: CarePlanActivity,
    wanted: ActivityStatus,
    *,
    reason: StopReason | None,
    on: date,
    user_id: int | None,
    note: str | None = None,
) -> str:
    """Move the activity through its lifecycle (TransitionRefused when not allowed)."""
    current = ActivityStatus(activity.status.value)
    check_activity_transition(current, wanted, reason)
    if wanted is ActivityStatus.active:
        activity.start_date = on
    elif wanted in (ActivityStatus.completed, ActivityStatus.stopped):
        if activity.start_date is not None and on < activity.start_date:
            raise TransitionRefused(
                f"the effective date {on.isoformat()} is before the start "
                f"{activity.start_date.isoformat()}",
                field="effective_date",
            )
        activity.stop_date = on
    activity.status = CareActivityStatus(wanted.value)
    activity.stop_reason = CareStopReason(reason.value) if reason else None
    if note is not None:
        activity.status_note = note[:500]
    activity.status_changed_by = user_id
    activity.status_changed_at = utcnow()
    return f"activity {activity.therapy}: {current.value} → {wanted.value}" + (
        f" ({reason.value})" if reason else ""
    )


def change_status(
    session: Session, *, access: PatientAccess, activity_id: int, data: ActivityUpdate
) -> CarePlanActivity:
    activity = get_activity(session, access=access, activity_id=activity_id)
    on = data.effective_date or patient_today(access.patient)
    try:
        line = set_status(
            activity,
            data.status,
            reason=data.reason,
            on=on,
            user_id=access.actor.user_id,
            note=data.note,
        )
    except TransitionRefused as error:
        if error.field == "effective_date":
            raise InvalidInput(str(error), field="effective_date") from None
        raise refused(error) from None
    if data.status in (ActivityStatus.completed, ActivityStatus.stopped):
        # An ended activity's remaining bookings are cancelled, so nothing stays due.
        session.execute(
            update(CarePlanSession)
            .where(
                CarePlanSession.activity_id == activity.id,
                CarePlanSession.status == CareSessionStatus.scheduled,
            )
            .values(
                status=CareSessionStatus.cancelled,
                recorded_by=access.actor.user_id,
                recorded_at=utcnow(),
                note="activity " + data.status.value,
            )
        )
    access.event.detail = line
    session.flush()
    return activity
