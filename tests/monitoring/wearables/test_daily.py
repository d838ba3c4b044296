"""Daily aggregation rules: watch over phone, midnight splits, DST, sleep, resting rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from painpath.monitoring.wearables import (
    Metric,
    Sample,
    SleepStage,
    SourceKind,
    daily_summaries,
)
from painpath.monitoring.wearables.model import make_sample

NY = ZoneInfo("America/New_York")


def at(text: str, tz: ZoneInfo = NY) -> datetime:
    """Local wall time in `tz` → UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=tz).astimezone(UTC)


def s(
    metric: Metric,
    value: float,
    start: str,
    end: str,
    kind: SourceKind = SourceKind.watch,
    *,
    stage: SleepStage | None = None,
    source: str | None = None,
) -> Sample:
    return make_sample(
        metric,
        value,
        at(start),
        at(end),
        utc_offset=None,
        source_name=source or kind.value,
        source_kind=kind,
        sleep_stage=stage,
    )


def steps(value: float, start: str, end: str, kind: SourceKind = SourceKind.watch) -> Sample:
    return s(Metric.steps, value, start, end, kind)


def one_day(samples: list[Sample], tz: ZoneInfo = NY) -> dict[date, float | None]:
    return {d.day: d.steps for d in daily_summaries(samples, tz)}


def test_phone_and_watch_for_the_same_minutes_count_once() -> None:
    phone = steps(100, "2025-01-10 10:00", "2025-01-10 10:10", SourceKind.phone)
    watch = steps(60, "2025-01-10 10:05", "2025-01-10 10:10")
    # The watch's 60 for 10:05-10:10, plus the phone's 100 x 5/10 for 10:00-10:05.
    assert one_day([phone, watch]) == {date(2025, 1, 10): 110}
    assert one_day([watch, phone]) == {date(2025, 1, 10): 110}  # order does not matter


def test_identical_phone_and_watch_intervals_keep_the_watch() -> None:
    phone = steps(120, "2025-01-10 10:00", "2025-01-10 10:10", SourceKind.phone)
    watch = steps(90, "2025-01-10 10:00", "2025-01-10 10:10")
    assert one_day([phone, watch]) == {date(2025, 1, 10): 90}


def test_phone_steps_while_the_watch_charges_still_count() -> None:
    samples = [
        steps(50, "2025-01-10 09:00", "2025-01-10 10:00"),
        steps(300, "2025-01-10 10:00", "2025-01-10 11:00", SourceKind.phone),
        steps(70, "2025-01-10 11:00", "2025-01-10 12:00"),
    ]
    assert one_day(samples) == {date(2025, 1, 10): 420}


def test_third_party_source_ranks_below_phone() -> None:
    samples = [
        steps(100, "2025-01-10 10:00", "2025-01-10 11:00", SourceKind.phone),
        steps(500, "2025-01-10 10:00", "2025-01-10 12:00", SourceKind.other),
    ]
    assert one_day(samples) == {date(2025, 1, 10): 350}  # 100 + 500 x 1/2


def test_interval_across_midnight_is_split_in_proportion() -> None:
    samples = [steps(90, "2025-01-10 23:30", "2025-01-11 00:15")]
    assert one_day(samples) == {date(2025, 1, 10): 60, date(2025, 1, 11): 30}


def test_spring_forward_day_has_23_hours() -> None:
    # 2025-03-09: New York clocks jump 02:00 -> 03:00. An hourly record at every real hour.
    start = at("2025-03-09 00:00")
    hourly = [
        make_sample(
            Metric.steps,
            100,
            start + timedelta(hours=h),
            start + timedelta(hours=h + 1),
            utc_offset=None,
            source_name="w",
            source_kind=SourceKind.watch,
        )
        for h in range(24)
    ]
    days = one_day(hourly)
    assert days[date(2025, 3, 9)] == pytest.approx(2300)
    assert days[date(2025, 3, 10)] == pytest.approx(100)


def test_day_boundaries_follow_the_patient_zone() -> None:
    sample = steps(100, "2025-01-10 20:00", "2025-01-10 21:00")  # 01:00-02:00 UTC next day
    assert one_day([sample], NY) == {date(2025, 1, 10): 100}
    assert one_day([sample], ZoneInfo("UTC")) == {date(2025, 1, 11): 100}
    assert one_day([sample], ZoneInfo("Asia/Tokyo")) == {date(2025, 1, 11): 100}


def test_sleep_is_the_union_of_asleep_stages_attributed_to_the_day_it_ends() -> None:
    night = [
        s(
            Metric.sleep,
            0,
            "2025-01-09 22:30",
            "2025-01-10 07:00",
            SourceKind.phone,
            stage=SleepStage.in_bed,
        ),
        s(Metric.sleep, 0, "2025-01-09 23:00", "2025-01-10 01:00", stage=SleepStage.core),
        s(Metric.sleep, 0, "2025-01-10 01:00", "2025-01-10 01:20", stage=SleepStage.awake),
        s(Metric.sleep, 0, "2025-01-10 01:20", "2025-01-10 03:00", stage=SleepStage.deep),
        s(Metric.sleep, 0, "2025-01-10 03:00", "2025-01-10 06:30", stage=SleepStage.rem),
        # A second source overlapping the watch: counted once.
        s(
            Metric.sleep,
            0,
            "2025-01-10 00:00",
            "2025-01-10 06:45",
            SourceKind.other,
            stage=SleepStage.asleep_unspecified,
        ),
        # An afternoon nap is its own episode, on the same day.
        s(Metric.sleep, 0, "2025-01-10 14:00", "2025-01-10 14:30", stage=SleepStage.core),
    ]
    by_day = {d.day: d for d in daily_summaries(night, NY)}
    # 23:00-06:45 is 465 min asleep (the awake 20 min are covered by the other source).
    assert by_day[date(2025, 1, 10)].sleep_minutes == pytest.approx(465 + 30)
    assert by_day[date(2025, 1, 10)].in_bed_minutes == pytest.approx(510)
    assert by_day[date(2025, 1, 9)].sleep_minutes is None


def test_awake_within_a_night_does_not_split_it_across_days() -> None:
    night = [
        s(Metric.sleep, 0, "2025-01-09 22:00", "2025-01-09 23:50", stage=SleepStage.core),
        s(Metric.sleep, 0, "2025-01-10 00:20", "2025-01-10 06:00", stage=SleepStage.core),
    ]
    days = {d.day: d.sleep_minutes for d in daily_summaries(night, NY)}
    assert days == {date(2025, 1, 9): None, date(2025, 1, 10): pytest.approx(110 + 340)}


def test_resting_rate_prefers_the_watch_then_the_lowest() -> None:
    samples = [
        s(Metric.resting_heart_rate, 58, "2025-01-10 00:00", "2025-01-10 23:00"),
        s(Metric.resting_heart_rate, 55, "2025-01-10 00:00", "2025-01-10 23:00"),
        s(Metric.resting_heart_rate, 50, "2025-01-10 00:00", "2025-01-10 23:00", SourceKind.other),
    ]
    (day,) = daily_summaries(samples, NY)
    assert day.resting_heart_rate == 55


def test_active_minutes_and_heart_rate_counts() -> None:
    samples = [
        s(Metric.active_minutes, 1, f"2025-01-10 18:{m:02d}", f"2025-01-10 18:{m + 1:02d}")
        for m in range(30)
    ] + [s(Metric.heart_rate, 70, "2025-01-10 12:00", "2025-01-10 12:00")] * 3
    (day,) = daily_summaries(samples, NY)
    assert day.active_minutes == pytest.approx(30)
    assert day.heart_rate_samples == 3
    assert day.heart_rate_sources == {SourceKind.watch}
    assert day.steps is None


def test_no_samples_no_days() -> None:
    assert daily_summaries([], NY) == []
