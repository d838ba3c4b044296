"""A generated export imports and aggregates to the totals the generator knows."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from painpath.monitoring.wearables import ImportReport, daily_summaries, import_file
from painpath.monitoring.wearables.completeness import Reason, Status, Stream, completeness
from painpath.monitoring.wearables.synthetic import SyntheticExport, write_apple_export

TZ = "America/New_York"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SyntheticExport]:
    # 2025-03-07 .. 2025-03-10: the second day (03-08) is a "watch in the drawer" day, and
    # 03-09 is New York's spring-forward day (23 hours).
    path = tmp_path_factory.mktemp("synthetic") / "export.xml"
    written = write_apple_export(path, days=4, seed=7, start=date(2025, 3, 7), tz=TZ)
    return path, written


def test_record_count_matches_the_file(export: tuple[Path, SyntheticExport]) -> None:
    path, written = export
    text = path.read_text(encoding="utf-8")
    assert len(re.findall(r"<Record ", text)) == written.records
    report = ImportReport()
    samples = list(import_file(path, tz=ZoneInfo(TZ), report=report))
    assert report.records == written.records
    basal = text.count('type="HKQuantityTypeIdentifierBasalEnergyBurned"')
    assert report.skipped == {"unknown type HKQuantityTypeIdentifierBasalEnergyBurned": basal}
    assert len(samples) == written.records - basal


def test_daily_totals_match_the_generator(export: tuple[Path, SyntheticExport]) -> None:
    path, written = export
    tz = ZoneInfo(TZ)
    by_day = {d.day: d for d in daily_summaries(import_file(path, tz=tz), tz)}
    truth = written.days
    assert {t.day for t in truth if not t.watch_worn} == {date(2025, 3, 8)}
    for expected in truth:
        got = by_day[expected.day]
        assert got.steps == pytest.approx(expected.steps), expected.day
        if expected.watch_worn:
            # A naive sum of both sources would double-count the overlap.
            assert expected.steps < expected.watch_steps + expected.phone_steps
            assert got.sleep_minutes == pytest.approx(expected.sleep_minutes)
            assert got.active_minutes == pytest.approx(expected.active_minutes)
            assert got.resting_heart_rate == expected.resting_heart_rate
        else:
            assert got.sleep_minutes is None
            assert got.in_bed_minutes == pytest.approx(expected.in_bed_minutes)
            assert got.heart_rate_samples == 0


def test_completeness_explains_the_drawer_day(export: tuple[Path, SyntheticExport]) -> None:
    path, _ = export
    tz = ZoneInfo(TZ)
    days = completeness(import_file(path, tz=tz), date(2025, 3, 7), date(2025, 3, 12), tz=tz)
    by_day = {d.day: d for d in days}
    assert by_day[date(2025, 3, 7)].complete
    assert by_day[date(2025, 3, 9)].complete
    drawer = by_day[date(2025, 3, 8)]
    assert drawer.status(Stream.steps).status is Status.partial
    assert drawer.status(Stream.steps).reason is Reason.phone_only
    assert drawer.status(Stream.heart_rate).reason is Reason.phone_only
    assert drawer.status(Stream.sleep).reason is Reason.in_bed_only
    # The export's last day is 2025-03-10; beyond it the file has ended.
    assert by_day[date(2025, 3, 11)].status(Stream.steps).reason is Reason.after_data_end
    assert by_day[date(2025, 3, 12)].missing == tuple(Stream)


def test_zip_export_gives_the_same_samples(
    tmp_path: Path, export: tuple[Path, SyntheticExport]
) -> None:
    path, _ = export
    archive = tmp_path / "export.zip"
    write_apple_export(archive, days=4, seed=7, start=date(2025, 3, 7), tz=TZ)
    plain = [s.client_id for s in import_file(path, tz=None)]
    zipped = [s.client_id for s in import_file(archive, tz=None)]
    assert plain == zipped


def test_generation_is_deterministic(tmp_path: Path) -> None:
    a = write_apple_export(tmp_path / "a.xml", days=2, seed=3)
    b = write_apple_export(tmp_path / "b.xml", days=2, seed=3)
    assert (tmp_path / "a.xml").read_bytes() == (tmp_path / "b.xml").read_bytes()
    assert a.days == b.days
