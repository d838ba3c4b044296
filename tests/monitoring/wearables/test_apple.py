"""Apple Health export.xml / export.zip: the real-format sample, safety, errors, metadata."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from painpath.monitoring.wearables import (
    FileProblem,
    ImportReport,
    Metric,
    SleepStage,
    SourceKind,
    WearableFileError,
    import_file,
)
from painpath.monitoring.wearables.apple import parse_apple_date
from tests.monitoring.wearables.conftest import APPLE_SAMPLE, need

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-03-12 08:00:00 -0400"/>
"""
WATCH = 'sourceName="Watch" device="&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, model:Watch&gt;"'
PHONE = 'sourceName="Pat’s iPhone"'


def write(tmp_path: Path, body: str, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body + "</HealthData>\n", encoding="utf-8")
    return path


def record(
    kind: str, start: str, end: str, value: str, source: str = WATCH, extra: str = ""
) -> str:
    return (
        f' <Record type="{kind}" {source} unit="count" startDate="{start}" endDate="{end}" '
        f'value="{value}"{extra}'
    )


def test_reference_sample_imports_with_counts_checked_independently() -> None:
    path = need(APPLE_SAMPLE)
    text = path.read_text(encoding="utf-8")
    # Independent counts: the raw text, and the CSV the sample's authors flattened it to.
    types = re.findall(r'<Record type="HKQuantityTypeIdentifier(\w+)"', text)
    with (path.parent / "StepCount.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    report = ImportReport()
    samples = list(import_file(path, tz=None, report=report))

    assert report.importer == "apple_health"
    assert report.records == len(types) == 15
    steps = [s for s in samples if s.metric is Metric.steps]
    assert len(steps) == types.count("StepCount") == len(rows) == 10
    assert sum(s.value for s in steps) == sum(float(r["value"]) for r in rows)
    assert [s.start for s in steps] == [parse_apple_date(r["startDate"]) for r in rows]
    distance = [s for s in samples if s.metric is Metric.distance]
    assert len(distance) == types.count("DistanceWalkingRunning") == 5
    assert all(s.unit == "m" for s in distance)
    km = [float(v) for v in re.findall(r'unit="km"[^>]*value="([\d.]+)"', text)]
    assert sum(s.value for s in distance) == pytest.approx(sum(km) * 1000)
    assert report.skipped == {"element ActivitySummary": 2, "element Workout": 1}
    assert report.exported_at == datetime(2016, 4, 15, 6, 27, 26, tzinfo=UTC)
    first = steps[0]
    assert first.start == datetime(2014, 9, 13, 9, 27, 54, tzinfo=UTC)
    assert first.utc_offset == timedelta(hours=1)
    assert (first.unit, first.loinc, first.source_name) == ("{steps}", "55423-8", "Health")


def test_reread_gives_identical_client_ids() -> None:
    path = need(APPLE_SAMPLE)
    first = [s.client_id for s in import_file(path, tz=None)]
    second = [s.client_id for s in import_file(path, tz=None)]
    assert first == second
    assert len(set(first)) == len(first)


def test_zip_export_reads_the_inner_export_xml(tmp_path: Path) -> None:
    xml = write(
        tmp_path,
        record(
            "HKQuantityTypeIdentifierStepCount",
            "2024-03-10 10:00:00 -0400",
            "2024-03-10 10:05:00 -0400",
            "50",
        )
        + "/>\n",
    )
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(xml, "apple_health_export/export.xml")
        out.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    samples = list(import_file(archive, tz=None))
    assert [(s.metric, s.value, s.source_kind) for s in samples] == [
        (Metric.steps, 50.0, SourceKind.watch)
    ]


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    # The classic: ten entities, each ten of the previous one: 10^9 "lol"s when expanded.
    lol = '<!ENTITY lol0 "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10)
    )
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n{lol}]>\n'
        '<HealthData locale="en"><Record type="x" value="&lol9;"/></HealthData>\n'
    )
    with pytest.raises(WearableFileError) as caught:
        list(import_file(path, tz=None, kind="apple_health"))
    assert caught.value.problem is FileProblem.UNSAFE_XML
    assert "unsafe XML refused" in str(caught.value)


def test_external_entity_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n'
        '<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
        '<HealthData locale="en"><Me x="&secret;"/></HealthData>\n'
    )
    with pytest.raises(WearableFileError) as caught:
        list(import_file(path, tz=None, kind="apple_health"))
    assert caught.value.problem is FileProblem.UNSAFE_XML


def test_truncated_file_names_line_and_column(tmp_path: Path) -> None:
    body = (
        record(
            "HKQuantityTypeIdentifierStepCount",
            "2024-03-10 10:00:00 -0400",
            "2024-03-10 10:05:00 -0400",
            "50",
        )
        + "/>\n"
    )
    full = write(tmp_path, body * 3)
    cut = tmp_path / "cut.xml"
    cut.write_text(full.read_text()[:-60])
    with pytest.raises(WearableFileError) as caught:
        list(import_file(cut, tz=None))
    error = caught.value
    assert error.problem is FileProblem.MALFORMED_XML
    assert error.line is not None
    assert error.line >= 8
    assert error.column is not None
    assert f"line {error.line}, column {error.column}" in str(error)


def test_invalid_xml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, ' <Record type="a" value="1"></Recrd>\n')
    with pytest.raises(WearableFileError) as caught:
        list(import_file(path, tz=None))
    assert caught.value.line == 8  # HEAD is 7 lines
    assert "mismatched tag" in str(caught.value)


def test_sleep_values_metadata_sync_ids_and_unknown_types(tmp_path: Path) -> None:
    sleep = "HKCategoryTypeIdentifierSleepAnalysis"
    body = "".join(
        [
            record(
                sleep,
                "2024-03-10 23:00:00 -0400",
                "2024-03-11 01:00:00 -0400",
                "HKCategoryValueSleepAnalysisAsleep",
            )
            + "/>\n",
            record(
                sleep,
                "2024-03-11 01:00:00 -0400",
                "2024-03-11 02:00:00 -0400",
                "HKCategoryValueSleepAnalysisAsleepDeep",
            )
            + '>\n  <MetadataEntry key="HKTimeZone" value="America/New_York"/>\n'
            '  <MetadataEntry key="HKMetadataKeySyncIdentifier" value="abc-1"/>\n </Record>\n',
            record(
                sleep,
                "2024-03-10 22:50:00 -0400",
                "2024-03-11 07:00:00 -0400",
                "HKCategoryValueSleepAnalysisInBed",
                PHONE,
            )
            + "/>\n",
            record(
                sleep,
                "2024-03-11 02:00:00 -0400",
                "2024-03-11 02:05:00 -0400",
                "HKCategoryValueSleepAnalysisAwake",
            )
            + "/>\n",
            record(
                "HKQuantityTypeIdentifierBodyMass",
                "2024-03-11 08:00:00 -0400",
                "2024-03-11 08:00:00 -0400",
                "70",
            )
            + "/>\n",
            ' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Cuff" '
            'startDate="2024-03-11 08:00:00 -0400" endDate="2024-03-11 08:00:00 -0400">\n'
            + record(
                "HKQuantityTypeIdentifierStepCount",
                "2024-03-11 08:00:00 -0400",
                "2024-03-11 08:00:00 -0400",
                "999",
            )
            + "/>\n </Correlation>\n",
        ]
    )
    report = ImportReport()
    samples = list(import_file(write(tmp_path, body), tz=None, report=report))
    stages = [s.sleep_stage for s in samples]
    assert stages == [
        SleepStage.asleep_unspecified,
        SleepStage.deep,
        SleepStage.in_bed,
        SleepStage.awake,
    ]
    deep = samples[1]
    assert deep.device_tz == "America/New_York"
    assert deep.value == 60.0
    assert deep.unit == "min"
    assert deep.loinc == "93831-6"
    assert samples[2].source_kind is SourceKind.phone
    assert report.skipped["unknown type HKQuantityTypeIdentifierBodyMass"] == 1
    assert report.skipped["element Correlation"] == 1
    assert all(s.value != 999 for s in samples)  # records inside a Correlation are repeats
    again = list(import_file(write(tmp_path, body.replace("abc-1", "abc-1")), tz=None))
    assert [s.client_id for s in again] == [s.client_id for s in samples]
    moved = body.replace(
        '"2024-03-11 02:00:00 -0400" value="HKCategoryValueSleepAnalysisAsleepDeep',
        '"2024-03-11 02:01:00 -0400" value="HKCategoryValueSleepAnalysisAsleepDeep',
    )
    edited = list(import_file(write(tmp_path, moved, "b.xml"), tz=None))
    # The sync identifier, not the times, identifies that record.
    assert edited[1].client_id == deep.client_id
    assert edited[0].client_id == samples[0].client_id


def test_unreadable_values_are_skipped_and_counted(tmp_path: Path) -> None:
    steps = "HKQuantityTypeIdentifierStepCount"
    body = "".join(
        [
            record(steps, "2024-03-10T10:00:00", "2024-03-10 10:05:00 -0400", "5") + "/>\n",
            record(steps, "2024-03-10 10:05:00 -0400", "2024-03-10 10:00:00 -0400", "5") + "/>\n",
            record(steps, "2024-03-10 10:00:00 -0400", "2024-03-10 10:05:00 -0400", "x") + "/>\n",
            record(steps, "2024-03-10 10:00:00 -0400", "2024-03-10 10:05:00 -0400", "7") + "/>\n",
        ]
    )
    report = ImportReport()
    samples = list(import_file(write(tmp_path, body), tz=None, report=report))
    assert [s.value for s in samples] == [7.0]
    assert report.records == 4
    assert report.skipped_total == 3


def test_dates_keep_their_offset() -> None:
    parsed = parse_apple_date("2014-09-13 10:27:54 +0100")
    assert parsed.utcoffset() == timedelta(hours=1)
    assert parse_apple_date("2024-11-03 01:30:00 -0500").astimezone(UTC).hour == 6
    with pytest.raises(ValueError, match="not an Apple Health date"):
        parse_apple_date("2014-09-13T10:27:54+01:00")
