"""Google Takeout Fitbit files: local times, stages, daily files, directory or zip."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from painpath.monitoring.wearables import (
    FileProblem,
    ImportReport,
    Metric,
    SleepStage,
    SourceKind,
    WearableFileError,
    daily_summaries,
    import_file,
)

LA = ZoneInfo("America/Los_Angeles")
EXPORT = "Takeout/Fitbit/Global Export Data"


def takeout(root: Path) -> Path:
    folder = root / EXPORT
    folder.mkdir(parents=True)
    files = {
        "steps-2024-03-10.json": [
            {"dateTime": "03/10/24 08:00:00", "value": "12"},
            {"dateTime": "03/10/24 08:01:00", "value": "0"},
            {"dateTime": "03/10/24 08:02:00", "value": "30"},
        ],
        "heart_rate-2024-03-10.json": [
            {"dateTime": "03/10/24 08:00:05", "value": {"bpm": 61, "confidence": 2}},
            {"dateTime": "03/10/24 08:00:10", "value": {"bpm": 63, "confidence": 3}},
        ],
        "resting_heart_rate-2024-03-10.json": [
            {
                "dateTime": "03/10/24 00:00:00",
                "value": {"date": "03/10/24", "value": 58.4, "error": 6.8},
            },
            {
                "dateTime": "03/11/24 00:00:00",
                "value": {"date": "03/11/24", "value": 0.0, "error": 0.0},
            },
        ],
        "very_active_minutes-2024-03-10.json": [{"dateTime": "03/10/24 00:00:00", "value": "14"}],
        "moderately_active_minutes-2024-03-10.json": [
            {"dateTime": "03/10/24 00:00:00", "value": "16"}
        ],
        "lightly_active_minutes-2024-03-10.json": [
            {"dateTime": "03/10/24 00:00:00", "value": "200"}
        ],
        "calories-2024-03-10.json": [{"dateTime": "03/10/24 00:00:00", "value": "1.2"}],
        "sleep-2024-03-10.json": [
            {
                "logId": 4242,
                "dateOfSleep": "2024-03-10",
                "startTime": "2024-03-09T23:00:00.000",
                "endTime": "2024-03-10T07:00:00.000",
                "type": "stages",
                "levels": {
                    "data": [
                        {"dateTime": "2024-03-09T23:00:00.000", "level": "wake", "seconds": 600},
                        {"dateTime": "2024-03-09T23:10:00.000", "level": "light", "seconds": 10800},
                        {"dateTime": "2024-03-10T03:10:00.000", "level": "deep", "seconds": 3600},
                        {"dateTime": "2024-03-10T05:10:00.000", "level": "rem", "seconds": 6600},
                    ],
                    "shortData": [
                        {"dateTime": "2024-03-10T01:00:00.000", "level": "wake", "seconds": 120}
                    ],
                },
            }
        ],
    }
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content))
    (folder / "README.txt").write_text("not data")
    return root / "Takeout"


def test_takeout_directory(tmp_path: Path) -> None:
    report = ImportReport()
    samples = list(import_file(takeout(tmp_path), tz=LA, report=report))
    assert report.importer == "fitbit_takeout"
    steps = [s for s in samples if s.metric is Metric.steps]
    assert [s.value for s in steps] == [12, 30]
    # 2024-03-10 is the spring-forward day; 08:00 is PDT (UTC-7).
    assert steps[0].start == datetime(2024, 3, 10, 15, 0, tzinfo=UTC)
    assert steps[0].end - steps[0].start == timedelta(minutes=1)
    assert steps[0].utc_offset == timedelta(hours=-7)
    assert all(s.source_kind is SourceKind.watch and s.source_name == "Fitbit" for s in samples)
    assert [s.value for s in samples if s.metric is Metric.heart_rate] == [61, 63]
    assert report.skipped["zero-step minute"] == 1
    assert report.skipped["resting heart rate without a value"] == 1
    assert report.skipped["file kind calories not imported"] == 1
    assert report.skipped["lightly active minutes (not counted as active)"] == 1

    by_day = {d.day: d for d in daily_summaries(samples, LA)}
    day = by_day[date(2024, 3, 10)]
    assert day.steps == 42
    assert day.active_minutes == pytest.approx(30)  # very + moderately active
    assert day.resting_heart_rate == pytest.approx(58.4)
    # Light 3 h (23:10 PST to 03:10 PDT: the clocks jumped) minus a 2-minute short wake,
    # deep 1 h, REM 1 h 50: the 10-minute wake and the gap 04:10-05:10 are not sleep.
    assert day.sleep_minutes == pytest.approx(180 - 2 + 60 + 110)
    # 23:00 PST to 07:00 PDT is 7 hours in bed, not 8.
    assert day.in_bed_minutes == pytest.approx(420)
    stages = {s.sleep_stage for s in samples if s.metric is Metric.sleep}
    assert stages == {
        SleepStage.in_bed,
        SleepStage.awake,
        SleepStage.core,
        SleepStage.deep,
        SleepStage.rem,
    }


def test_takeout_zip_matches_directory(tmp_path: Path) -> None:
    root = takeout(tmp_path / "dir")
    archive = tmp_path / "takeout.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in root.rglob("*"):
            out.write(path, path.relative_to(root.parent).as_posix())
    plain = [s.client_id for s in import_file(root, tz=LA)]
    zipped = [s.client_id for s in import_file(archive, tz=LA)]
    assert plain == zipped
    assert [s.client_id for s in import_file(archive, tz=LA)] == zipped  # idempotent


def test_single_daily_file(tmp_path: Path) -> None:
    root = takeout(tmp_path)
    samples = list(import_file(root / "Fitbit/Global Export Data/steps-2024-03-10.json", tz=LA))
    assert [s.value for s in samples] == [12, 30]


def test_local_times_need_a_time_zone(tmp_path: Path) -> None:
    with pytest.raises(WearableFileError) as caught:
        list(import_file(takeout(tmp_path), tz=None))
    assert caught.value.problem is FileProblem.NEEDS_TIME_ZONE


def test_malformed_file_names_member_and_line(tmp_path: Path) -> None:
    root = takeout(tmp_path)
    bad = root / "Fitbit/Global Export Data/steps-2024-03-11.json"
    bad.write_text('[\n{"dateTime": "03/11/24 08:00:00", "value": "1"},\n{"dateTime": \n')
    with pytest.raises(WearableFileError) as caught:
        list(import_file(root, tz=LA))
    assert caught.value.problem is FileProblem.MALFORMED_JSON
    assert "steps-2024-03-11.json" in str(caught.value)
    assert caught.value.line == 4


def test_bad_entries_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "steps-2024-03-10.json"
    path.write_text(
        json.dumps(
            [
                {"dateTime": "2024/03/10", "value": "5"},
                {"dateTime": "03/10/24 09:00:00", "value": "5"},
            ]
        )
    )
    report = ImportReport()
    assert [s.value for s in import_file(path, tz=LA, report=report)] == [5]
    assert report.skipped == {"invalid steps entry (ValueError)": 1}
