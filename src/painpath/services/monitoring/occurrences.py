"""When a questionnaire assignment's occurrences open and close in the patient's time zone, and
what state an occurrence is in, read from its log.

Occurrence k opens at the first opening's local wall-clock time plus k × interval_days days, so
a daily 09:00 questionnaire stays at 09:00 across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from painpath.kit.clock import LATEST_DATE, as_utc, in_range
from painpath.models.questionnaire_schedule import (
    OccurrenceEvent,
    QuestionnaireAssignment,
    QuestionnaireOccurrenceLog,
    Recurrence,
)

#: Events after which nothing more happens to an occurrence.
FINAL_EVENTS = frozenset({OccurrenceEvent.completed, OccurrenceEvent.missed})


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of an assignment as it stands at some moment."""

    assignment: QuestionnaireAssignment
    index: int
    opens_at: datetime
    closes_at: datetime
    status: OccurrenceEvent
    snoozed_until: datetime | None
    next_reminder_at: datetime | None
    due_now: bool


#: The longest occurrence window a stored assignment may have to be evaluated (the API's own
#: limit is 31 days).
MAX_WINDOW_MINUTES = 60 * 24 * 366


def evaluable(assignment: QuestionnaireAssignment) -> bool:
    """Whether the stored assignment's dates and spans are in the accepted range: one written
    past validation (a start in year 1, say) is skipped by the schedule, never computed on."""
    ends_at = assignment.ends_at
    return (
        in_range(as_utc(assignment.starts_at).date())
        and (ends_at is None or in_range(as_utc(ends_at).date()))
        and 1 <= assignment.interval_days <= 366
        and 1 <= assignment.window_minutes <= MAX_WINDOW_MINUTES
        and isinstance(assignment.reminder_minutes, list)
        and all(_minute(minute) for minute in assignment.reminder_minutes)
    )


def _minute(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_WINDOW_MINUTES


def _within_calendar(assignment: QuestionnaireAssignment, index: int) -> bool:
    """Whether occurrence `index` opens by LATEST_DATE (a later one is none painpath keeps)."""
    days_left = (LATEST_DATE - as_utc(assignment.starts_at).date()).days
    return index * assignment.interval_days <= days_left


def opens_at(assignment: QuestionnaireAssignment, index: int, zone: ZoneInfo) -> datetime:
    """Occurrence `index` opens at the first opening's wall-clock time, index × interval days on."""
    first = assignment.starts_at.astimezone(zone).replace(tzinfo=None)
    local = first + timedelta(days=index * assignment.interval_days)
    return local.replace(tzinfo=zone).astimezone(UTC)


def window(
    assignment: QuestionnaireAssignment, index: int, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """When occurrence `index` opens and closes (UTC)."""
    start = opens_at(assignment, index, zone)
    return start, start + timedelta(minutes=assignment.window_minutes)


def exists(assignment: QuestionnaireAssignment, index: int, zone: ZoneInfo) -> bool:
    """Whether the assignment has an occurrence `index` (a one-off has only 0; none at or after
    ends_at)."""
    if index < 0 or (assignment.recurrence is Recurrence.once and index > 0):
        return False
    if not evaluable(assignment) or not _within_calendar(assignment, index):
        return False
    return assignment.ends_at is None or opens_at(assignment, index, zone) < assignment.ends_at


def latest_index(assignment: QuestionnaireAssignment, moment: datetime, zone: ZoneInfo) -> int:
    """The last occurrence opened at or before `moment` (-1: none yet, or an assignment whose
    stored values are outside the accepted range)."""
    if not evaluable(assignment) or not in_range(as_utc(moment).date()):
        return -1
    if moment < assignment.starts_at:
        return -1
    if assignment.recurrence is Recurrence.once:
        return 0
    days = (moment - assignment.starts_at).total_seconds() / 86_400
    index = int(days // assignment.interval_days)
    # Wall-clock arithmetic across DST changes can shift an opening by an hour: settle it.
    while index > 0 and opens_at(assignment, index, zone) > moment:
        index -= 1
    while opens_at(assignment, index + 1, zone) <= moment:
        index += 1
    if assignment.ends_at is not None:
        while index >= 0 and not exists(assignment, index, zone):
            index -= 1
    return index


def status_from_log(events: list[QuestionnaireOccurrenceLog]) -> OccurrenceEvent:
    """Completed or missed once logged (completed wins: a late-synced answer still counts);
    otherwise the latest event, or scheduled when nothing is logged."""
    kinds = {row.event for row in events}
    for final in (OccurrenceEvent.completed, OccurrenceEvent.missed):
        if final in kinds:
            return final
    return (
        max(events, key=lambda row: (row.at, row.id)).event if events else OccurrenceEvent.scheduled
    )


def occurrence_state(
    assignment: QuestionnaireAssignment,
    index: int,
    zone: ZoneInfo,
    events: list[QuestionnaireOccurrenceLog],
    now: datetime,
) -> Occurrence:
    """The occurrence at `now`: open, due (open, not final, not snoozed), next reminder."""
    start, end = window(assignment, index, zone)
    status = status_from_log(events)
    snoozes = [row.snooze_until for row in events if row.snooze_until is not None]
    snoozed_until = max(snoozes) if snoozes else None
    if snoozed_until is not None and snoozed_until <= now:
        snoozed_until = None
    reminders = [start + timedelta(minutes=m) for m in assignment.reminder_minutes]
    if snoozed_until is not None:
        reminders = [snoozed_until]
    upcoming = [moment for moment in reminders if now < moment < end]
    open_now = start <= now < end and status not in FINAL_EVENTS
    return Occurrence(
        assignment=assignment,
        index=index,
        opens_at=start,
        closes_at=end,
        status=status,
        snoozed_until=snoozed_until,
        next_reminder_at=min(upcoming) if upcoming and open_now else None,
        due_now=open_now and snoozed_until is None,
    )
