"""The completeness view: which days and streams are missing, and why."""

from __future__ import annotations

from datetime import date

import pytest

from painpath.monitoring.wearables import DailySummary, SourceKind
from painpath.monitoring.wearables.completeness import (
    Reason,
    Status,
    Stream,
    completeness,
)


def day(d: int, **values: object) -> DailySummary:
    base: dict[str, object] = {
        "day": date(2025, 1, d),
        "steps": None,
        "active_minutes": None,
        "active_energy_kcal": None,
        "distance_m": None,
        "sleep_minutes": None,
        "in_bed_minutes": None,
        "resting_heart_rate": None,
        "heart_rate_samples": 0,
    }
    return DailySummary(**{**base, **values})  # type: ignore[arg-type]


WATCH_DAY = {
    "steps": 8000.0,
    "active_minutes": 30.0,
    "sleep_minutes": 420.0,
    "in_bed_minutes": 450.0,
    "resting_heart_rate": 55.0,
    "heart_rate_samples": 280,
    "step_sources": frozenset({SourceKind.watch, SourceKind.phone}),
    "heart_rate_sources": frozenset({SourceKind.watch}),
}


def test_reasons() -> None:
    summaries = [
        day(1, **WATCH_DAY),
        day(2, steps=3000.0, in_bed_minutes=400.0, step_sources=frozenset({SourceKind.phone})),
        day(4, **WATCH_DAY),
    ]
    result = completeness(summaries, date(2025, 1, 1), date(2025, 1, 5))
    by_day = {d.day.day: d for d in result}
    assert by_day[1].complete
    assert by_day[4].complete
    two = by_day[2]
    assert two.status(Stream.steps).status is Status.partial
    assert two.status(Stream.heart_rate).reason is Reason.phone_only
    assert two.status(Stream.active_minutes).reason is Reason.phone_only
    assert two.status(Stream.sleep).reason is Reason.in_bed_only
    assert by_day[3].missing == tuple(Stream)
    assert {s.reason for s in by_day[3].streams} == {Reason.no_samples}
    assert {s.reason for s in by_day[5].streams} == {Reason.after_data_end}


def test_phone_only_patient_has_complete_steps() -> None:
    summaries = [day(1, steps=5000.0, step_sources=frozenset({SourceKind.phone}))]
    (only,) = completeness(
        summaries, date(2025, 1, 1), date(2025, 1, 1), [Stream.steps, Stream.heart_rate]
    )
    assert only.status(Stream.steps).status is Status.complete
    assert only.status(Stream.heart_rate).reason is Reason.no_samples


def test_explicit_data_end() -> None:
    summaries = [day(1, **WATCH_DAY)]
    result = completeness(
        summaries, date(2025, 1, 1), date(2025, 1, 3), [Stream.steps], data_end=date(2025, 1, 2)
    )
    assert [d.status(Stream.steps).reason for d in result] == [
        None,
        Reason.no_samples,
        Reason.after_data_end,
    ]


def test_samples_need_a_zone() -> None:
    from tests.monitoring.wearables.test_daily import steps

    with pytest.raises(ValueError, match="time zone"):
        completeness(
            [steps(1, "2025-01-01 10:00", "2025-01-01 10:01")], date(2025, 1, 1), date(2025, 1, 1)
        )
