"""FHIR R4 Observations: bundles, single resources, NDJSON, unsupported codes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from painpath.monitoring.wearables import (
    ImportReport,
    Metric,
    SleepStage,
    daily_summaries,
    import_file,
)

TZ = ZoneInfo("Europe/Berlin")


def obs(code: str, value: float, unit: str, **effective: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"obs-{code}-{value}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": "Patient/synthetic-1"},
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
        **effective,
    }


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def test_bundle_of_supported_observations(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(
        json.dumps(
            bundle(
                obs("41950-7", 8000, "/d", effectiveDateTime="2024-05-02"),
                obs(
                    "55423-8",
                    300,
                    "{steps}",
                    effectivePeriod={
                        "start": "2024-05-03T10:00:00+02:00",
                        "end": "2024-05-03T10:30:00+02:00",
                    },
                ),
                obs("8867-4", 72, "/min", effectiveDateTime="2024-05-03T10:00:00+02:00"),
                obs("40443-4", 57, "/min", effectiveDateTime="2024-05-03T00:00:00+02:00"),
                obs(
                    "93832-4",
                    7.5,
                    "h",
                    effectivePeriod={
                        "start": "2024-05-02T22:30:00+02:00",
                        "end": "2024-05-03T06:30:00+02:00",
                    },
                ),
                obs("29463-7", 70, "kg", effectiveDateTime="2024-05-03T08:00:00+02:00"),
                {"resourceType": "Patient", "id": "synthetic-1"},
                obs(
                    "8867-4",
                    75,
                    "/min",
                    effectiveDateTime="2024-05-03T11:00:00+02:00",
                    status="entered-in-error",
                ),
            )
        )
    )
    report = ImportReport()
    samples = list(import_file(path, tz=TZ, report=report))
    assert report.importer == "fhir"
    assert [s.metric for s in samples] == [
        Metric.steps,
        Metric.steps,
        Metric.heart_rate,
        Metric.resting_heart_rate,
        Metric.sleep,
        Metric.sleep,
    ]
    daily = samples[0]
    assert (daily.start, daily.end) == (
        datetime(2024, 5, 1, 22, tzinfo=UTC),  # Berlin midnight, CEST
        datetime(2024, 5, 2, 22, tzinfo=UTC),
    )
    assert samples[2].start == samples[2].end == datetime(2024, 5, 3, 8, tzinfo=UTC)
    in_bed, asleep = samples[4], samples[5]
    assert in_bed.sleep_stage is SleepStage.in_bed
    assert in_bed.value == 480
    assert asleep.sleep_stage is SleepStage.asleep_unspecified
    assert asleep.value == 450
    assert report.skipped == {
        "unsupported code 29463-7": 1,
        "resource Patient": 1,
        "status entered-in-error": 1,
    }
    by_day = {d.day: d for d in daily_summaries(samples, TZ)}
    assert by_day[date(2024, 5, 2)].steps == 8000
    assert by_day[date(2024, 5, 3)].steps == 300
    assert by_day[date(2024, 5, 3)].sleep_minutes == 450
    assert by_day[date(2024, 5, 3)].resting_heart_rate == 57


def test_single_observation_and_ndjson(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(obs("8867-4", 64, "/min", effectiveDateTime="2024-05-03T10:00:00Z")))
    assert [s.value for s in import_file(one, tz=None)] == [64]
    lines = tmp_path / "observations.ndjson"
    lines.write_text(
        "\n".join(
            json.dumps(obs("8867-4", v, "/min", effectiveDateTime=f"2024-05-03T10:0{v - 60}:00Z"))
            for v in (60, 61, 62)
        )
    )
    samples = list(import_file(lines, tz=None))
    assert [s.value for s in samples] == [60, 61, 62]
    assert len({s.client_id for s in samples}) == 3


def test_date_only_without_time_zone_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "daily.json"
    path.write_text(json.dumps(obs("41950-7", 8000, "/d", effectiveDateTime="2024-05-02")))
    report = ImportReport()
    assert list(import_file(path, tz=None, report=report)) == []
    (reason,) = report.skipped
    assert "41950-7" in reason
    assert "time zone" in reason


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        ({"valueQuantity": None}, "without a numeric valueQuantity"),
        ({"effectiveDateTime": "2024-05-03T10:00:00"}, "must have an offset"),
        (
            {"code": {"coding": [{"system": "http://snomed.info/sct", "code": "364075005"}]}},
            "unsupported code (no LOINC code)",
        ),
    ],
)
def test_unusable_observations_are_counted(
    tmp_path: Path, resource: dict[str, Any], reason: str
) -> None:
    path = tmp_path / "o.json"
    base = obs("8867-4", 70, "/min", effectiveDateTime="2024-05-03T10:00:00Z")
    path.write_text(json.dumps({**base, **resource}))
    report = ImportReport()
    assert list(import_file(path, tz=TZ, report=report)) == []
    assert any(reason in r for r in report.skipped), report.skipped
