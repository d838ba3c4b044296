"""A patient's own calendar: their today and a short local time, in their IANA time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from painpath.kit.clock import is_valid_time_zone, utcnow


def patient_zone(time_zone: str) -> ZoneInfo:
    return ZoneInfo(time_zone if is_valid_time_zone(time_zone) else "UTC")


def patient_today(time_zone: str) -> tuple[date, ZoneInfo]:
    """The patient's local date now, and their zone (UTC when the stored name is unknown)."""
    zone = patient_zone(time_zone)
    return utcnow().astimezone(zone).date(), zone


def short_local(moment: datetime, zone: ZoneInfo) -> str:
    """E.g. "Mon 7 Dec, 09:00" in the patient's zone."""
    local = moment.astimezone(zone)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')}, {local.strftime('%H:%M')}"
