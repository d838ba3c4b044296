"""UTC time helpers: painpath stores every instant in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones

#: Every date and instant painpath accepts lies in this range: far enough from the calendar's
#: ends (year 1, year 9999) that a window, a time-zone shift or a look-back never overflows.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def in_range(day: date) -> bool:
    """Whether `day` lies between EARLIEST_DATE and LATEST_DATE."""
    return EARLIEST_DATE <= day <= LATEST_DATE


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Return an aware UTC datetime; naive input is refused because its zone is unknown."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError("datetime must include a time zone offset")
    return moment.astimezone(UTC)


def is_valid_time_zone(name: str) -> bool:
    return name in _time_zone_names()


def time_zone(name: str) -> ZoneInfo:
    if not is_valid_time_zone(name):
        raise ValueError(f"unknown IANA time zone {name!r}")
    return ZoneInfo(name)


_ZONES: frozenset[str] | None = None


def _time_zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES
