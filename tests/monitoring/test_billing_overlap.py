"""The same minutes counted once: a clinician's overlapping time entries (a video visit and time
logged by hand for the same stretch) count their shared minutes once, visits first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from painpath.monitoring.billing.overlap import LoggedInterval, counted_minutes

T0 = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_visit_keeps_its_minutes_and_manual_time_counts_only_outside_it() -> None:
    counted = counted_minutes(
        [
            LoggedInterval(key=1, performer="7", started_at=at(10), minutes=30),  # 10-40, manual
            LoggedInterval(key=2, performer="7", started_at=at(0), minutes=25, priority=0),  # visit
            LoggedInterval(key=3, performer="7", started_at=at(60), minutes=5),
        ]
    )
    assert counted == {2: 25, 1: 15, 3: 5}


def test_other_performers_and_disjoint_entries_are_untouched() -> None:
    counted = counted_minutes(
        [
            LoggedInterval(key=1, performer="7", started_at=at(0), minutes=20, priority=0),
            LoggedInterval(key=2, performer="8", started_at=at(0), minutes=20),
            LoggedInterval(key=3, performer="7", started_at=at(20), minutes=10),
        ]
    )
    assert counted == {1: 20, 2: 20, 3: 10}


def test_an_entry_inside_another_counts_nothing_and_a_spanning_one_counts_both_ends() -> None:
    counted = counted_minutes(
        [
            LoggedInterval(key=1, performer="7", started_at=at(10), minutes=10, priority=0),
            LoggedInterval(key=2, performer="7", started_at=at(12), minutes=5),
            LoggedInterval(key=3, performer="7", started_at=at(0), minutes=40),
        ]
    )
    assert counted == {1: 10, 2: 0, 3: 30}
