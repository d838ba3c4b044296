"""Slot generation in a clinician's zone, across daylight-saving changes (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from painpath.telehealth.slots import (
    DatedChange,
    Slot,
    WeeklyWindow,
    Window,
    is_offered,
    local_instant,
    slots_between,
)

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")


def every_day(start: int, end: int, length: int = 30) -> list[WeeklyWindow]:
    return [WeeklyWindow(day, Window(start, end, length)) for day in range(7)]


def utc_starts(slots: list[Slot]) -> list[str]:
    return [f"{s.starts_at:%m-%d %H:%M}" for s in slots]


def test_a_local_clinic_hour_moves_in_utc_across_the_us_change() -> None:
    # 2026-03-08: US clocks spring forward (CST → CDT); 2026-11-01: fall back.
    found = slots_between(
        zone=CHICAGO,
        first=date(2026, 3, 7),
        last=date(2026, 3, 9),
        weekly=every_day(9 * 60, 10 * 60, 60),
    )
    assert utc_starts(found) == ["03-07 15:00", "03-08 14:00", "03-09 14:00"]
    autumn = slots_between(
        zone=CHICAGO,
        first=date(2026, 10, 31),
        last=date(2026, 11, 1),
        weekly=every_day(9 * 60, 10 * 60, 60),
    )
    assert utc_starts(autumn) == ["10-31 14:00", "11-01 15:00"]


def test_the_spring_forward_gap_offers_no_slot() -> None:
    # 02:00-03:00 does not exist in Chicago on 2026-03-08.
    found = slots_between(
        zone=CHICAGO,
        first=date(2026, 3, 8),
        last=date(2026, 3, 8),
        weekly=every_day(60, 4 * 60, 60),
    )
    local = [f"{s.starts_at.astimezone(CHICAGO):%H:%M %Z}" for s in found]
    assert local == ["01:00 CST", "03:00 CDT"]
    assert local_instant(date(2026, 3, 8), 2 * 60 + 30, CHICAGO) is None


def test_the_fall_back_hour_is_offered_once_and_slots_stay_real_minutes() -> None:
    # 01:00-02:00 happens twice in Chicago on 2026-11-01; the first is taken, once.
    found = slots_between(
        zone=CHICAGO,
        first=date(2026, 11, 1),
        last=date(2026, 11, 1),
        weekly=every_day(0, 3 * 60, 60),
    )
    assert utc_starts(found) == ["11-01 05:00", "11-01 06:00", "11-01 08:00"]
    assert all((s.ends_at - s.starts_at).total_seconds() == 3600 for s in found)


def test_exceptions_close_and_open_hours_on_one_day() -> None:
    weekly = every_day(9 * 60, 12 * 60, 60)
    changes = [
        DatedChange(date(2026, 12, 14), False, Window(10 * 60, 11 * 60, 30)),
        DatedChange(date(2026, 12, 15), False, Window(0, 1440, 30)),
        DatedChange(date(2026, 12, 16), True, Window(14 * 60, 15 * 60, 30)),
    ]
    found = slots_between(
        zone=BERLIN,
        first=date(2026, 12, 14),
        last=date(2026, 12, 16),
        weekly=weekly,
        changes=changes,
    )
    local = [f"{s.starts_at.astimezone(BERLIN):%d %H:%M}" for s in found]
    assert local == [
        "14 09:00",
        "14 11:00",
        "16 09:00",
        "16 10:00",
        "16 11:00",
        "16 14:00",
        "16 14:30",
    ]


def test_taken_and_past_slots_are_left_out() -> None:
    weekly = every_day(9 * 60, 11 * 60, 30)
    taken = [(datetime(2026, 12, 14, 8, 15, tzinfo=UTC), datetime(2026, 12, 14, 8, 45, tzinfo=UTC))]
    found = slots_between(
        zone=BERLIN,
        first=date(2026, 12, 14),
        last=date(2026, 12, 14),
        weekly=weekly,
        taken=taken,
        not_before=datetime(2026, 12, 14, 9, 0, tzinfo=UTC),
    )
    # 09:00 and 09:30 Berlin (08:00, 08:30 UTC) overlap the visit; nothing before 09:00 UTC.
    assert utc_starts(found) == ["12-14 09:00", "12-14 09:30"]


def test_is_offered_only_for_a_slot_on_the_grid() -> None:
    weekly = every_day(9 * 60, 11 * 60, 30)
    start = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    end = datetime(2026, 12, 14, 8, 30, tzinfo=UTC)
    assert is_offered(start, end, zone=BERLIN, weekly=weekly)
    assert not is_offered(
        start.replace(minute=10), end.replace(minute=40), zone=BERLIN, weekly=weekly
    )
    assert not is_offered(start, end.replace(hour=9), zone=BERLIN, weekly=weekly)


@pytest.mark.parametrize(
    ("start", "end", "length"), [(60, 60, 30), (-1, 60, 30), (0, 1441, 30), (0, 60, 4)]
)
def test_bad_windows_are_refused(start: int, end: int, length: int) -> None:
    with pytest.raises(ValueError):
        Window(start, end, length)


def test_ranges_are_bounded() -> None:
    with pytest.raises(ValueError, match="last"):
        slots_between(zone=BERLIN, first=date(2026, 1, 1), last=date(2027, 1, 1), weekly=[])
