"""The plugin interface: detection, explicit kind, errors, and the pinned public API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import painpath.monitoring.wearables as wearables
from painpath.monitoring.wearables import (
    FileProblem,
    Importer,
    ImportSource,
    Metric,
    Probe,
    Sample,
    SourceKind,
    WearableFileError,
    detect,
    import_file,
    importers,
    register,
)
from painpath.monitoring.wearables.model import make_sample
from tests.monitoring.wearables.conftest import APPLE_SAMPLE, need


def test_public_api_is_pinned() -> None:
    assert sorted(wearables.__all__) == [
        "DailyAggregator",
        "DailySummary",
        "DayCompleteness",
        "FileProblem",
        "ImportReport",
        "ImportSource",
        "Importer",
        "Metric",
        "Modality",
        "Probe",
        "Reason",
        "Sample",
        "SleepStage",
        "SourceKind",
        "Status",
        "Stream",
        "StreamStatus",
        "WearableFileError",
        "completeness",
        "daily_summaries",
        "detect",
        "import_file",
        "importers",
        "register",
    ]


def test_builtin_importers() -> None:
    assert list(importers()) == ["apple_health", "fitbit_takeout", "open_mhealth", "fhir"]


def test_detection_by_content(tmp_path: Path) -> None:
    assert detect(need(APPLE_SAMPLE)).name == "apple_health"
    omh = tmp_path / "data.json"
    omh.write_text(json.dumps({"header": {"schema_id": {}}, "body": {}}))
    assert detect(omh).name == "open_mhealth"
    fhir = tmp_path / "bundle.json"
    fhir.write_text(json.dumps({"resourceType": "Bundle", "entry": []}))
    assert detect(fhir).name == "fhir"
    fitbit = tmp_path / "Takeout" / "Fitbit"
    fitbit.mkdir(parents=True)
    (fitbit / "steps-2024-01-01.json").write_text("[]")
    assert detect(tmp_path / "Takeout").name == "fitbit_takeout"


def test_unknown_missing_and_bad_kind(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(WearableFileError) as caught:
        import_file(other, tz=None)
    assert caught.value.problem is FileProblem.UNKNOWN_FORMAT
    with pytest.raises(WearableFileError) as missing:
        import_file(tmp_path / "nope.xml", tz=None)
    assert missing.value.problem is FileProblem.NOT_FOUND
    with pytest.raises(WearableFileError):
        import_file(tmp_path / "nope.xml", tz=None, kind="apple_health")
    with pytest.raises(ValueError, match="unknown importer 'garmin'"):
        import_file(other, tz=None, kind="garmin")
    broken = tmp_path / "export.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(WearableFileError) as bad_zip:
        import_file(broken, tz=None)
    assert bad_zip.value.problem is FileProblem.BAD_ZIP


def test_explicit_kind_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "renamed.bin"
    path.write_bytes(need(APPLE_SAMPLE).read_bytes())
    assert len(list(import_file(path, tz=None, kind="apple_health"))) == 15


class CsvSteps(Importer):
    """A third-party plugin: `start,end,steps` lines in UTC."""

    name = "test_csv_steps"

    def detect(self, probe: Probe) -> bool:
        return probe.head.startswith(b"start,end,steps")

    def read(self, source: ImportSource) -> Iterator[Sample]:
        for line in source.path.read_text().splitlines()[1:]:
            source.report.records += 1
            start, end, steps = line.split(",")
            yield make_sample(
                Metric.steps,
                float(steps),
                datetime.fromisoformat(start).replace(tzinfo=UTC),
                datetime.fromisoformat(end).replace(tzinfo=UTC),
                utc_offset=None,
                source_name="csv",
                source_kind=SourceKind.other,
            )


def test_a_plugin_registers(tmp_path: Path) -> None:
    plugin = register(CsvSteps())
    try:
        path = tmp_path / "steps.csv"
        path.write_text("start,end,steps\n2024-01-01T10:00,2024-01-01T10:10,120\n")
        assert detect(path) is plugin
        (sample,) = import_file(path, tz=ZoneInfo("UTC"))
        assert sample.value == 120
    finally:
        wearables.registry._REGISTRY.pop(CsvSteps.name)
