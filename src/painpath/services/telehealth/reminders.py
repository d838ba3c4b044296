"""Visit reminders through the notifier: e.g. 24 h and 1 h before, each once.

The worker (`painpath notify send`) calls `enqueue_due_reminders` before sending. For each
booked visit starting within the longest lead, the shortest lead already reached is the one
due (a visit booked 30 minutes ahead gets the 1 h reminder, not a late 24 h one). The outbox
key names visit, start, lead and recipient: running again, or after a restart, adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from painpath import audit
from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.models.enums import Role
from painpath.models.telehealth import Visit, VisitStatus
from painpath.models.user import User
from painpath.services.notify import enqueue
from painpath.services.telehealth.booking import recipients, reminder_key, when_for
from painpath.services.telehealth.calendar import join_link, visit_calendar
from painpath.services.transaction import unit_of_work


@dataclass(slots=True)
class ReminderReport:
    visits: int = 0
    enqueued: int = 0


def due_lead(hours: tuple[int, ...], starts_at: datetime, now: datetime) -> int | None:
    """The reminder lead (hours) due at `now`, or None (too early, or already started)."""
    if now >= starts_at:
        return None
    reached = [h for h in hours if now >= starts_at - timedelta(hours=h)]
    return min(reached) if reached else None


def enqueue_due_reminders(
    session_factory: sessionmaker[Session], settings: Settings, now: datetime | None = None
) -> ReminderReport:
    moment = now or utcnow()
    report = ReminderReport()
    hours = settings.visit_reminder_hours
    if not hours:
        return report
    with unit_of_work(session_factory) as session:
        visits = session.scalars(
            select(Visit)
            .where(
                Visit.status == VisitStatus.booked,
                Visit.starts_at > moment,
                Visit.starts_at <= moment + timedelta(hours=max(hours)),
            )
            .order_by(Visit.starts_at, Visit.id)
        )
        for visit in visits:
            lead = due_lead(hours, visit.starts_at, moment)
            if lead is None:
                continue
            report.visits += 1
            added = _remind(session, settings, visit, lead)
            if added:
                report.enqueued += added
                audit.record(
                    session,
                    actor=None,
                    action="read",
                    resource_type="VisitReminder",
                    patient_id=visit.patient_id,
                    resource_id=visit.id,
                    detail=f"{lead} h reminder to {added} recipient(s)",
                )
    return report


def _remind(session: Session, settings: Settings, visit: Visit, lead: int) -> int:
    clinician = session.get(User, visit.clinician_id)
    if clinician is None:
        return 0
    link = join_link(settings, visit)
    calendar = visit_calendar(settings, visit, clinician)
    added = 0
    for user in recipients(session, visit):
        if not user.email:
            continue
        when = when_for(user, session, visit)
        with_whom = (
            f"with {clinician.display_name}" if user.role is Role.patient else "with a patient"
        )
        body = (
            f"Reminder: your video visit {with_whom} starts on {when}."
            + (f"\n\nJoin: {link}" if link else "")
            + "\n\nOpen painpath to see or cancel the visit."
        )
        added += enqueue(
            session,
            key=reminder_key(visit, lead, user.id),
            recipient=user.email,
            subject=f"Reminder: video visit {when}"[:300],
            body=body,
            calendar=calendar,
            patient_id=visit.patient_id,
        )
    return added
