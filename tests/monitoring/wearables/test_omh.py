"""Open mHealth: painpath's validator against every upstream pass/fail example, then import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from painpath.monitoring.wearables import (
    FileProblem,
    ImportReport,
    Metric,
    Modality,
    SleepStage,
    WearableFileError,
    import_file,
)
from painpath.monitoring.wearables.omh_families import SCHEMAS, OmhInvalid, validate
from tests.monitoring.wearables.conftest import OMH

FIXTURES = OMH / "test-data" / "omh"


def fixtures(verdict: str) -> list[Any]:
    """(schema, version, file) for every fixture of the schemas painpath checks."""
    if not FIXTURES.exists():
        return [
            pytest.param(
                None,
                None,
                None,
                marks=pytest.mark.skip(
                    reason=f"reference data not found: {FIXTURES} (../shared is absent)"
                ),
            )
        ]
    return [
        pytest.param(name, version, path, id=f"{name}/{version}/{path.name}")
        for name, version in sorted(SCHEMAS)
        for path in sorted((FIXTURES / name / version / verdict).glob("*.json"))
    ]


def test_every_schema_has_fixtures() -> None:
    if not FIXTURES.exists():
        pytest.skip(f"reference data not found: {FIXTURES}")
    # No upstream examples: full-date (checked inside time-interval's) and
    # descriptive-statistic 1.2 (the enum heart-rate uses; its 1.0/1.1 examples are here).
    for name, version in set(SCHEMAS) - {("full-date", "1.0"), ("descriptive-statistic", "1.2")}:
        assert list((FIXTURES / name / version).glob("should*/*.json")), (name, version)


@pytest.mark.parametrize(("name", "version", "path"), fixtures("shouldPass"))
def test_should_pass(name: str, version: str, path: Path) -> None:
    validate(name, version, json.loads(path.read_text()))


@pytest.mark.parametrize(("name", "version", "path"), fixtures("shouldFail"))
def test_should_fail_naming_the_field(name: str, version: str, path: Path) -> None:
    instance = json.loads(path.read_text())
    with pytest.raises(OmhInvalid) as caught:
        validate(name, version, instance)
    error = caught.value
    assert str(error).startswith(f"{error.field or '(document)'}: ")
    if isinstance(instance, dict):
        if not error.field:
            # A time frame or interval itself: the message names the members it has and the
            # combinations it needs.
            assert name in ("time-frame", "time-interval")
            assert "date_time" in str(error)
            return
        # The named field is one the example has, or one the schema requires.
        top = error.field.split(".")[0]
        assert top in instance or error.missing, str(error)


# Verdicts that hinge on JSON Schema `format`, which jsonschema checks only with extra packages.


@pytest.mark.parametrize(
    ("name", "version", "path"), fixtures("shouldPass") + fixtures("shouldFail")
)
def test_jsonschema_agrees(name: str, version: str, path: Path) -> None:
    """Cross-check with the upstream schema files and the jsonschema library (tests only)."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    folder = OMH / "schema" / "omh"

    def retrieve(uri: str) -> Any:
        target = folder / uri.rsplit("/", 1)[-1]
        text = target.read_text()
        if not text.lstrip().startswith("{"):  # a `1.x` alias file naming its target
            text = (folder / text.strip()).read_text()
        return referencing.Resource.from_contents(
            json.loads(text), default_specification=referencing.jsonschema.DRAFT7
        )

    registry = referencing.Registry(retrieve=retrieve)
    schema = retrieve(f"{name}-{version}.json").contents
    schema.pop("$id", None)
    cls = jsonschema.validators.validator_for(schema)
    # `format` is asserted (date-time, uri): several shouldFail examples fail only on it.
    validator = cls(
        {**schema, "$id": f"file:///omh/{name}-{version}.json"},
        registry=registry,
        format_checker=cls.FORMAT_CHECKER,
    )
    upstream = validator.is_valid(json.loads(path.read_text()))
    assert upstream is (path.parent.name == "shouldPass")


def point(schema: str, version: str, body: dict[str, Any], ident: str = "p1") -> dict[str, Any]:
    return {
        "header": {
            "id": ident,
            "creation_date_time": "2024-05-03T07:25:00Z",
            "schema_id": {"namespace": "omh", "name": schema, "version": version},
            "acquisition_provenance": {"source_name": "Synthetic tracker", "modality": "sensed"},
        },
        "body": body,
    }


INTERVAL = {
    "time_interval": {
        "start_date_time": "2024-05-03T10:00:00+02:00",
        "end_date_time": "2024-05-03T11:00:00+02:00",
    }
}


def test_list_of_data_points_imports(tmp_path: Path) -> None:
    path = tmp_path / "points.json"
    path.write_text(
        json.dumps(
            [
                point(
                    "step-count",
                    "3.0",
                    {
                        "step_count": {"value": 900, "unit": "steps"},
                        "effective_time_frame": INTERVAL,
                    },
                    "a",
                ),
                point(
                    "step-count",
                    "2.0",
                    {
                        "step_count": 12000,
                        "effective_time_frame": INTERVAL,
                        "descriptive_statistic": "average",
                        "descriptive_statistic_denominator": "d",
                    },
                    "b",
                ),
                point(
                    "heart-rate",
                    "2.0",
                    {
                        "heart_rate": {"value": 61, "unit": "beats/min"},
                        "effective_time_frame": {"date_time": "2024-05-03T10:00:00Z"},
                    },
                    "c",
                ),
                point(
                    "total-sleep-time",
                    "1.0",
                    {
                        "total_sleep_time": {"value": 7, "unit": "h"},
                        "effective_time_frame": {
                            "time_interval": {
                                "start_date_time": "2024-05-02T22:00:00+02:00",
                                "duration": {"value": 8, "unit": "h"},
                            }
                        },
                    },
                    "d",
                ),
                point(
                    "physical-activity",
                    "1.2",
                    {
                        "activity_name": "walking",
                        "distance": {"value": 2, "unit": "km"},
                        "kcal_burned": {"value": 160, "unit": "kcal"},
                        "reported_activity_intensity": "moderate",
                        "effective_time_frame": INTERVAL,
                    },
                    "e",
                ),
                point("blood-pressure", "1.0", {}, "f"),
            ]
        )
    )
    report = ImportReport()
    samples = list(import_file(path, tz=None, report=report))
    assert report.importer == "open_mhealth"
    got = [(s.metric, s.value) for s in samples]
    assert got == [
        (Metric.steps, 900),
        (Metric.heart_rate, 61),
        (Metric.sleep, 480),
        (Metric.sleep, 420),
        (Metric.distance, 2000),
        (Metric.active_energy, 160),
        (Metric.active_minutes, 60),
    ]
    assert samples[2].sleep_stage is SleepStage.in_bed
    assert samples[3].sleep_stage is SleepStage.asleep_unspecified
    assert samples[0].modality is Modality.sensed
    assert samples[0].source_name == "Synthetic tracker"
    assert report.skipped == {
        "step-count average (a summary statistic)": 1,
        "unsupported schema omh:blood-pressure:1.0": 1,
    }
    again = [s.client_id for s in import_file(path, tz=None)]
    assert again == [s.client_id for s in samples]


def test_ndjson_invalid_point_names_line_and_field(tmp_path: Path) -> None:
    good = point(
        "heart-rate",
        "1.0",
        {
            "heart_rate": {"value": 61, "unit": "beats/min"},
            "effective_time_frame": {"date_time": "2024-05-03T10:00:00Z"},
        },
    )
    bad = point("heart-rate", "1.0", {"heart_rate": {"value": 61, "unit": "bpm"}})
    path = tmp_path / "points.ndjson"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n")
    with pytest.raises(WearableFileError) as caught:
        list(import_file(path, tz=None))
    error = caught.value
    assert error.problem is FileProblem.INVALID_DATA_POINT
    assert error.line == 3
    assert "body.heart_rate.unit" in str(error)


def test_single_self_reported_point(tmp_path: Path) -> None:
    body = {
        "minutes_moderate_activity": {"value": 25, "unit": "min"},
        "effective_time_frame": INTERVAL,
    }
    document = point("minutes-moderate-activity", "1.0", body)
    document["header"]["acquisition_provenance"]["modality"] = "self-reported"
    path = tmp_path / "point.json"
    path.write_text(json.dumps(document, indent=2))
    (sample,) = import_file(path, tz=None)
    assert (sample.metric, sample.value, sample.modality) == (
        Metric.active_minutes,
        25,
        Modality.self_reported,
    )
