"""Session schedules for a course, and when a course counts as done.

A course's sessions are laid out from its first day at the template's interval (CBT weekly,
acupuncture every 5 days …); the clinician may choose the count within the template's range.
A course is done when no session is left scheduled and at least one was attended: then its
activity completes by itself (a course where every session was missed or cancelled stays open
for the clinician to stop, with a reason).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from painpath.care.plans.knowledge import ScheduleTemplate, plan_knowledge
from painpath.care.plans.vocabulary import SessionStatus

MAX_SESSIONS = 52


def schedule_template(template_id: str) -> ScheduleTemplate:
    found = plan_knowledge().schedules.get(template_id)
    if found is None:
        raise KeyError(f"unknown schedule {template_id!r}")
    return found


def templates_for(therapy: str) -> list[ScheduleTemplate]:
    return [t for t in plan_knowledge().schedules.values() if t.therapy == therapy]


def session_days(
    first: date, *, count: int, interval_days: int, template: ScheduleTemplate | None = None
) -> list[date]:
    """The days of `count` sessions from `first`, `interval_days` apart.

    With a template, `count` must be within its range. Raises ValueError naming the bound.
    """
    low, high = (template.min_sessions, template.max_sessions) if template else (1, MAX_SESSIONS)
    if not low <= count <= high:
        raise ValueError(f"count must be between {low} and {high} sessions")
    if not 1 <= interval_days <= 90:
        raise ValueError("interval_days must be between 1 and 90")
    return [first + timedelta(days=interval_days * index) for index in range(count)]


def course_complete(statuses: Iterable[SessionStatus]) -> bool:
    """No session left scheduled, and at least one attended."""
    seen = list(statuses)
    return bool(seen) and SessionStatus.scheduled not in seen and SessionStatus.attended in seen
