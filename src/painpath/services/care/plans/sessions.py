"""Scheduled sessions of a course and their attendance; a course completes when its sessions are
done (`painpath.care.plans.course_complete`). This is how complementary and digital programmes
(CBT, MBSR, acupuncture, yoga, a digital programme) and session series (PRP, physiotherapy)
record sessions, attendance and completion.

Attending the first session of a proposed activity starts it (on that session's day).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.care.plans import (
    ActivityStatus,
    SessionStatus,
    TransitionRefused,
    check_session_transition,
    course_complete,
    schedule_template,
    session_days,
)
from painpath.kit.clock import utcnow
from painpath.models.care_plan import (
    CareActivityStatus,
    CarePlanActivity,
    CarePlanSession,
    CareSessionStatus,
)
from painpath.schemas.care_plans import SessionsCreate, SessionUpdate
from painpath.services.access import PatientAccess
from painpath.services.care.plans.activities import get_activity, set_status
from painpath.services.care.plans.store import patient_today, refused
from painpath.services.errors import InvalidInput, NotFound

#: Sessions one activity may hold in all (two years of weekly sessions).
MAX_SESSIONS_PER_ACTIVITY = 104
OPEN = (CareActivityStatus.proposed, CareActivityStatus.active)


def sessions_of(session: Session, activity_id: int) -> list[CarePlanSession]:
    return list(
        session.scalars(
            select(CarePlanSession)
            .where(CarePlanSession.activity_id == activity_id)
            .order_by(CarePlanSession.sequence)
        )
    )


def schedule_sessions(
    session: Session, *, access: PatientAccess, activity_id: int, data: SessionsCreate
) -> list[CarePlanSession]:
    """Book the course's sessions after any already booked; the new sessions."""
    activity = get_activity(session, access=access, activity_id=activity_id)
    if activity.status not in OPEN:
        raise InvalidInput(
            f"sessions are booked for proposed or active activities, not {activity.status.value}",
            field="activity_id",
        )
    template = schedule_template(data.template) if data.template else None
    if template is not None and template.therapy != activity.therapy:
        raise InvalidInput(
            f"schedule {template.id} is for {template.therapy}, not {activity.therapy}",
            field="template",
        )
    count = data.count or (template.sessions if template else 0)
    interval = data.interval_days or (template.interval_days if template else 0)
    if data.first_day < access.patient.birth_date:
        raise InvalidInput("first_day is before the patient's birth date", field="first_day")
    try:
        days = session_days(data.first_day, count=count, interval_days=interval, template=template)
    except ValueError as error:
        field = "interval_days" if "interval" in str(error) else "count"
        raise InvalidInput(str(error), field=field) from None
    booked = session.scalar(
        select(func.max(CarePlanSession.sequence)).where(CarePlanSession.activity_id == activity.id)
    )
    first = (booked or 0) + 1
    if first - 1 + len(days) > MAX_SESSIONS_PER_ACTIVITY:
        raise InvalidInput(
            f"an activity holds at most {MAX_SESSIONS_PER_ACTIVITY} sessions", field="count"
        )
    rows = [
        CarePlanSession(
            patient_id=access.patient_id,
            activity_id=activity.id,
            sequence=first + index,
            scheduled_on=day,
            status=CareSessionStatus.scheduled,
        )
        for index, day in enumerate(days)
    ]
    session.add_all(rows)
    if template is not None:
        activity.schedule = template.id
    session.flush()
    access.note_resource(activity.id)
    access.event.detail = f"{len(rows)} sessions booked for {activity.therapy}"
    return rows


def get_session(session: Session, *, access: PatientAccess, session_id: int) -> CarePlanSession:
    row = session.get(CarePlanSession, session_id)
    if row is None or row.patient_id != access.patient_id:
        raise NotFound(f"session {session_id} not found for patient {access.patient_id}")
    return row


def _follow_course(
    session: Session, access: PatientAccess, activity: CarePlanActivity, row: CarePlanSession
) -> None:
    """Start a proposed activity at its first attended session; complete a finished course."""
    user = access.actor.user_id
    if activity.status is CareActivityStatus.proposed and row.status is CareSessionStatus.attended:
        line = set_status(
            activity, ActivityStatus.active, reason=None, on=row.scheduled_on, user_id=user
        )
        audit.record(
            session,
            actor=access.actor,
            action="update",
            resource_type="CarePlanActivity",
            patient_id=access.patient_id,
            resource_id=activity.id,
            detail=f"{line}: first session attended",
        )
    statuses = [SessionStatus(s.status.value) for s in sessions_of(session, activity.id)]
    if activity.status is CareActivityStatus.active and course_complete(statuses):
        last = max(s.scheduled_on for s in sessions_of(session, activity.id))
        on = max(last, activity.start_date or last)
        line = set_status(activity, ActivityStatus.completed, reason=None, on=on, user_id=user)
        audit.record(
            session,
            actor=access.actor,
            action="update",
            resource_type="CarePlanActivity",
            patient_id=access.patient_id,
            resource_id=activity.id,
            detail=f"{line}: course complete ({statuses.count(SessionStatus.attended)} of "
            f"{len(statuses)} sessions attended)",
        )


def record_attendance(
    session: Session, *, access: PatientAccess, session_id: int, data: SessionUpdate
) -> CarePlanSession:
    row = get_session(session, access=access, session_id=session_id)
    activity = session.get_one(CarePlanActivity, row.activity_id)
    wanted = SessionStatus(data.status)
    current = SessionStatus(row.status.value)
    if wanted is not current:
        try:
            check_session_transition(current, wanted)
        except TransitionRefused as error:
            raise refused(error) from None
    if wanted in (SessionStatus.attended, SessionStatus.missed):
        if row.scheduled_on > patient_today(access.patient):
            raise InvalidInput(
                f"session {row.sequence} is on {row.scheduled_on.isoformat()}: attendance is "
                "recorded on or after its day",
                field="status",
            )
        if activity.status not in OPEN:
            raise InvalidInput(
                f"the activity is {activity.status.value}: its sessions are closed", field="status"
            )
    row.status = CareSessionStatus(wanted.value)
    row.note = data.note
    row.recorded_by = access.actor.user_id
    row.recorded_at = utcnow()
    session.flush()
    access.event.detail = f"session {row.sequence} of {activity.therapy}: {wanted.value}"
    _follow_course(session, access, activity, row)
    session.flush()
    return row
