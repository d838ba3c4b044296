"""Issue 10, finding 2 (audit of the other engines): wearable day ranges.

The daily aggregator builds one day for every local day from the first sample to the last, and
spreads each sample over the days it touches: one record dated year 1 next to one dated 9999,
or one interval spanning centuries, made millions of days (and a year-1 time with a positive
offset overflowed the calendar, a 500). Now such samples are skipped and counted; the import
keeps the rest.
"""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from painpath.monitoring.wearables import DailyAggregator, ImportReport, import_file

CHICAGO = ZoneInfo("America/Chicago")


def _record(start: str, end: str, value: str = "100") -> str:
    return (
        '<Record type="HKQuantityTypeIdentifierStepCount" sourceName="Watch" unit="count"'
        f' startDate="{start}" endDate="{end}" value="{value}"/>'
    )


def test_finding_2_apple_records_far_apart_or_centuries_long_are_skipped(tmp_path: Path) -> None:
    records = [
        _record("2026-11-01 08:00:00 -0600", "2026-11-01 08:10:00 -0600"),
        _record("0001-01-01 08:00:00 +0100", "0001-01-01 08:10:00 +0100"),
        _record("0001-01-01 08:00:00 -0600", "0001-01-01 08:10:00 -0600"),
        _record("9999-12-30 08:00:00 -0600", "9999-12-30 08:10:00 -0600"),
        _record("1901-01-01 08:00:00 -0600", "2198-01-01 08:10:00 -0600"),
    ]
    path = tmp_path / "export.xml"
    path.write_text(f"<HealthData>{''.join(records)}</HealthData>")
    report = ImportReport()
    samples = list(import_file(path, tz=CHICAGO, report=report))
    assert len(samples) == 1
    assert report.skipped_total == 4
    days = DailyAggregator(CHICAGO).add_all(samples).summaries()
    assert [day.day.isoformat() for day in days] == ["2026-11-01"]


def test_finding_2_fhir_times_outside_the_dates_are_skipped(tmp_path: Path) -> None:
    def steps(when: str, value: float = 500) -> dict[str, object]:
        return {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "55423-8"}]},
            "effectiveDateTime": when,
            "valueQuantity": {"value": value},
        }

    entries = [
        steps("2026-11-01T08:00:00-06:00"),
        steps("0001-01-01T00:30:00+05:00"),
        steps("9999-12-31T23:00:00-05:00"),
        steps("2026-11-02T08:00:00-06:00", float("nan")),
    ]
    path = tmp_path / "observations.ndjson"
    path.write_text("\n".join(json.dumps(entry) for entry in entries) + "\n")
    report = ImportReport()
    samples = list(import_file(path, tz=CHICAGO, report=report))
    assert [sample.start.date().isoformat() for sample in samples] == ["2026-11-01"]
    assert report.skipped_total == 3
