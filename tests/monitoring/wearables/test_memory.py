"""Import plus aggregation keeps flat memory: three times the records, about the same peak
(what remains grows with days, not records: per-day totals, a few kilobytes a day)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from painpath.monitoring.wearables import daily_summaries, import_file
from painpath.monitoring.wearables import spill as spill_module
from painpath.monitoring.wearables.synthetic import write_apple_export

TZ = ZoneInfo("America/New_York")


def peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        days = daily_summaries(import_file(path, tz=TZ), TZ)
        assert days
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small spill threshold stands in for the 1.5 MiB one, so a few days show what a year
    # does (bench/wearables.py measures real files: 32 MiB for 1 and for 2 million records).
    monkeypatch.setattr(spill_module, "BUFFER", 3 * 1024)
    warm_up = write_apple_export(tmp_path / "warm.xml", days=1)
    peak_bytes(warm_up.path)  # first-use imports and caches are not the file's cost
    small = write_apple_export(tmp_path / "small.xml", days=2)
    large = write_apple_export(tmp_path / "large.xml", days=6)
    assert large.records > 2.9 * small.records
    small_peak = peak_bytes(small.path)
    large_peak = peak_bytes(large.path)
    assert large_peak < 1.5 * small_peak + 256 * 1024, (small_peak, large_peak)
    assert large_peak < 4 * 2**20
