"""Bookable slots from a clinician's weekly windows and dated exceptions, in their IANA zone.

Windows are local wall-clock minutes, so a 09:00 clinic stays at 09:00 local across a
daylight-saving change (and moves by an hour in UTC). A local start that does not exist (the
spring-forward gap) gives no slot; a local start that occurs twice (the fall-back hour) gives one
slot, at its first occurrence. A slot's end is its start plus its length in real (UTC) minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 1440
#: The furthest ahead slots are listed, and the longest range one request may ask for.
MAX_RANGE_DAYS = 92


@dataclass(frozen=True, slots=True)
class Window:
    """Local minutes [start_minute, end_minute) cut into slots of slot_minutes."""

    start_minute: int
    end_minute: int
    slot_minutes: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError("window: start must be before end, both within the day")
        if not 5 <= self.slot_minutes <= 240:
            raise ValueError("slot_minutes: must be 5 to 240")


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    weekday: int  # 0 = Monday
    window: Window


@dataclass(frozen=True, slots=True)
class DatedChange:
    day: date
    available: bool  # True: extra hours; False: no slots in the window
    window: Window


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of local `day` + `minute` in `zone`; None inside a DST gap.

    Minute 1440 is the next day's midnight. Ambiguous times take their first occurrence.
    """
    moment = datetime.combine(day, time(), zone) + timedelta(minutes=minute)
    # Wall-clock arithmetic: datetime + timedelta keeps the zone and fold=0 (first occurrence).
    instant = moment.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None  # does not exist locally (skipped by a spring-forward change)
    return instant


def _window_slots(day: date, window: Window, zone: ZoneInfo) -> Iterator[Slot]:
    length = timedelta(minutes=window.slot_minutes)
    for minute in range(
        window.start_minute, window.end_minute - window.slot_minutes + 1, window.slot_minutes
    ):
        start = local_instant(day, minute, zone)
        if start is not None:
            yield Slot(start, start + length)


def _overlaps(slot: Slot, day: date, window: Window, zone: ZoneInfo) -> bool:
    start = datetime.combine(day, time(), zone) + timedelta(minutes=window.start_minute)
    end = datetime.combine(day, time(), zone) + timedelta(minutes=window.end_minute)
    return slot.starts_at < end.astimezone(UTC) and start.astimezone(UTC) < slot.ends_at


def slots_between(
    *,
    zone: ZoneInfo,
    first: date,
    last: date,
    weekly: Iterable[WeeklyWindow],
    changes: Iterable[DatedChange] = (),
    taken: Iterable[tuple[datetime, datetime]] = (),
    not_before: datetime | None = None,
) -> list[Slot]:
    """Free slots on the clinician's local days first..last, sorted and without duplicates.

    `taken` intervals (live visits) remove every slot they overlap; `not_before` drops slots
    starting earlier (e.g. now plus a booking lead time).
    """
    if last < first:
        raise ValueError("last: before first")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValueError(f"last: the range may span at most {MAX_RANGE_DAYS} days")
    weekly = list(weekly)
    changes = list(changes)
    busy = sorted(taken)
    found: dict[datetime, Slot] = {}
    day = first
    while day <= last:
        todays = [c for c in changes if c.day == day]
        blocked = [c.window for c in todays if not c.available]
        windows = [w.window for w in weekly if w.weekday == day.weekday()]
        windows += [c.window for c in todays if c.available]
        for window in windows:
            for slot in _window_slots(day, window, zone):
                if any(_overlaps(slot, day, block, zone) for block in blocked):
                    continue
                if not_before is not None and slot.starts_at < not_before:
                    continue
                if any(s < slot.ends_at and slot.starts_at < e for s, e in busy):
                    continue
                found.setdefault(slot.starts_at, slot)
        day += timedelta(days=1)
    return [found[key] for key in sorted(found)]


def is_offered(
    slot_start: datetime,
    slot_end: datetime,
    *,
    zone: ZoneInfo,
    weekly: Iterable[WeeklyWindow],
    changes: Iterable[DatedChange] = (),
) -> bool:
    """Whether [slot_start, slot_end) is one of the slots the availability offers (ignoring
    visits already booked, which the database constraint and the booking lock decide)."""
    local_day = slot_start.astimezone(zone).date()
    offered = slots_between(
        zone=zone,
        first=local_day - timedelta(days=1),
        last=local_day + timedelta(days=1),
        weekly=weekly,
        changes=changes,
    )
    return Slot(slot_start.astimezone(UTC), slot_end.astimezone(UTC)) in offered
