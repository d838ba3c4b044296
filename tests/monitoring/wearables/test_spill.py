"""Aggregation keeps its memory flat by spilling kept samples to a temporary file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from painpath.monitoring.wearables import DailyAggregator, Metric, SourceKind, daily_summaries
from painpath.monitoring.wearables import spill as spill_module
from painpath.monitoring.wearables.model import Sample, make_sample
from painpath.monitoring.wearables.spill import Spill


def minutes(kind: SourceKind, count: int, value: float) -> list[Sample]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return [
        make_sample(
            Metric.steps,
            value,
            start + timedelta(minutes=m),
            start + timedelta(minutes=m + 1),
            utc_offset=None,
            source_name=kind.value,
            source_kind=kind,
        )
        for m in range(count)
    ]


def test_spilled_and_in_memory_give_the_same_days(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = minutes(SourceKind.watch, 3000, 2) + minutes(SourceKind.phone, 4000, 1)
    tz = ZoneInfo("Europe/Paris")
    in_memory = daily_summaries(samples, tz)
    monkeypatch.setattr(spill_module, "BUFFER", 30)
    spilled = daily_summaries(samples, tz)
    assert spilled == in_memory
    # 3000 watch minutes at 2, then the phone's 1000 minutes the watch did not cover.
    assert sum(d.steps or 0 for d in spilled) == pytest.approx(3000 * 2 + 1000)


def test_spill_reads_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill_module, "BUFFER", 6)
    column = Spill()
    for i in range(10):
        column.extend((i, i + 0.5, i * 2))
    assert len(column) == 30
    flat = [x for chunk in column.chunks() for x in chunk]
    assert flat == [v for i in range(10) for v in (i, i + 0.5, i * 2)]
    column.close()


def test_an_aggregator_is_used_once() -> None:
    aggregator = DailyAggregator(ZoneInfo("UTC"))
    aggregator.add_all(minutes(SourceKind.watch, 2, 1))
    aggregator.summaries()
    with pytest.raises(RuntimeError, match="already"):
        aggregator.summaries()
    with pytest.raises(RuntimeError, match="produced its summaries"):
        aggregator.add(minutes(SourceKind.watch, 1, 1)[0])
