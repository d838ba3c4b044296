"""Activities that ended badly, as `care.inputs.Tried` entries for the next suggestion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from painpath.care.knowledge import knowledge
from painpath.care.plans.vocabulary import TRIED_OUTCOMES, ActivityStatus, StopReason


@dataclass(frozen=True, slots=True)
class EndedActivity:
    therapy: str
    status: ActivityStatus
    reason: StopReason | None
    start: date | None
    stop: date | None


def tried_entries(activities: Iterable[EndedActivity]) -> list[dict[str, Any]]:
    """{"therapy", "outcome", "weeks"} for each therapy stopped for a reason `Tried` knows.

    Weeks are whole weeks from start to stop (None without both dates). A therapy stopped more
    than once appears once, with its latest ending. A therapy the care knowledge no longer knows
    is left out (`Tried` would refuse it).
    """
    known = knowledge().therapies
    latest: dict[str, tuple[date, dict[str, Any]]] = {}
    for activity in activities:
        if activity.status is not ActivityStatus.stopped or activity.reason not in TRIED_OUTCOMES:
            continue
        if activity.therapy not in known:
            continue
        weeks = None
        if activity.start and activity.stop and activity.stop >= activity.start:
            weeks = min((activity.stop - activity.start).days // 7, 1040)
        entry = {"therapy": activity.therapy, "outcome": activity.reason.value, "weeks": weeks}
        when = activity.stop or date.min
        if activity.therapy not in latest or latest[activity.therapy][0] <= when:
            latest[activity.therapy] = (when, entry)
    return [entry for _, entry in latest.values()]
