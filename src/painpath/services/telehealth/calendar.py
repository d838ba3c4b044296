"""A visit's join link and its iCalendar file."""

from __future__ import annotations

from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.models.telehealth import Visit, VisitStatus
from painpath.models.user import User
from painpath.telehealth.ics import CalendarEvent, render
from painpath.telehealth.rooms import room_link


def join_link(settings: Settings, visit: Visit) -> str | None:
    """The video room link, or None when no provider is configured or the visit is cancelled."""
    template = settings.video_room_url_template
    if template is None or visit.status is VisitStatus.cancelled:
        return None
    return room_link(template, visit.room)


def visit_calendar(settings: Settings, visit: Visit, clinician: User) -> str:
    """The visit as an .ics file: METHOD:CANCEL with its SEQUENCE once cancelled."""
    link = join_link(settings, visit) or ""
    cancelled = visit.status is VisitStatus.cancelled
    description = (
        "This video visit was cancelled."
        if cancelled
        else f"Video visit with {clinician.display_name}. Join: {link}"
        if link
        else f"Video visit with {clinician.display_name}. The join link will be sent separately."
    )
    return render(
        CalendarEvent(
            uid=visit.calendar_uid,
            sequence=visit.sequence,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            stamp=visit.cancelled_at or visit.created_at or utcnow(),
            summary=f"Video visit with {clinician.display_name}",
            description=description,
            location=link,
            organizer_name=clinician.display_name,
            organizer_email=clinician.email,
            cancelled=cancelled,
        )
    )
