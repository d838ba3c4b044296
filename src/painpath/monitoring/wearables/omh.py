"""Open mHealth data points (one, a JSON array, or NDJSON), validated, then normalized.

Every data point is checked by painpath's own validator (`omh_schema`); an invalid one stops
the import with an error naming the document's line and field. Valid points whose schema
painpath does not ingest, and summary statistics (averages, maxima… over a period) are skipped
and counted: they are not measurements of their interval.

Sleep duration and total sleep time often come with a longer time frame (time in bed): the
frame becomes in-bed time and the duration an asleep interval ending with the frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from painpath.kit.clock import in_range
from painpath.monitoring.wearables.apple_types import classify
from painpath.monitoring.wearables.errors import FileProblem, ImportReport, WearableFileError
from painpath.monitoring.wearables.formats import WearableFormat
from painpath.monitoring.wearables.jsonfiles import documents
from painpath.monitoring.wearables.model import Metric, Modality, Sample, SleepStage, make_sample
from painpath.monitoring.wearables.omh_families import OmhInvalid, validate_data_point
from painpath.monitoring.wearables.registry import Importer, ImportSource, Probe, register

_SECONDS = {
    "ps": 1e-12,
    "ns": 1e-9,
    "us": 1e-6,
    "ms": 1e-3,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "wk": 604800.0,
}
_METRES = {
    "fm": 1e-15,
    "pm": 1e-12,
    "nm": 1e-9,
    "um": 1e-6,
    "mm": 1e-3,
    "cm": 1e-2,
    "m": 1.0,
    "km": 1e3,
    "in": 0.0254,
    "ft": 0.3048,
    "yd": 0.9144,
    "mi": 1609.344,
}


class OpenMHealthImporter(Importer):
    name = WearableFormat.open_mhealth

    def detect(self, probe: Probe) -> bool:
        return not probe.is_container and b'"schema_id"' in probe.head and b'"header"' in probe.head

    def read(self, source: ImportSource) -> Iterator[Sample]:
        for number, (document, line) in enumerate(documents(source.path, source.limits), start=1):
            source.report.records += 1
            try:
                schema = validate_data_point(document)
            except OmhInvalid as error:
                raise WearableFileError(
                    str(source.path),
                    FileProblem.INVALID_DATA_POINT,
                    f"data point {number}: {error}",
                    line=line,
                ) from None
            except KeyError:
                header = document["header"]["schema_id"]
                source.report.skip(
                    f"unsupported schema {header['namespace']}:{header['name']}:{header['version']}"
                )
                continue
            yield from _samples(schema[0], document, source.report)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))


def _interval(frame: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """Start and end of a time frame; None for `date` + `part_of_day` (no exact times)."""
    if "date_time" in frame:
        at = _parse(frame["date_time"])
        return at, at
    interval = frame["time_interval"]
    duration = interval.get("duration")
    length = (
        timedelta(seconds=duration["value"] * _SECONDS.get(duration["unit"], 0))
        if duration
        else None
    )
    if "start_date_time" in interval and "end_date_time" in interval:
        return _parse(interval["start_date_time"]), _parse(interval["end_date_time"])
    if "start_date_time" in interval and length is not None:
        start = _parse(interval["start_date_time"])
        return start, start + length
    if "end_date_time" in interval and length is not None:
        end = _parse(interval["end_date_time"])
        return end - length, end
    return None


def _samples(family: str, point: dict[str, Any], report: ImportReport) -> Iterator[Sample]:
    header, body = point["header"], point["body"]
    statistic = body.get("descriptive_statistic")
    if statistic is not None and statistic != "sum":
        report.skip(f"{family} {statistic} (a summary statistic)")
        return
    frame = body.get("effective_time_frame")
    try:
        times = _interval(frame) if frame else None
        usable = times is not None and all(in_range(t.astimezone(UTC).date()) for t in times)
    except OverflowError:  # a duration or a time past the calendar's ends
        times, usable = None, False
    if times is None or not usable or times[1] < times[0]:
        report.skip(f"{family} without an exact, ordered time frame in the accepted dates")
        return
    start, end = times
    provenance = header.get("acquisition_provenance") or {}
    source_name = provenance.get("source_name", "Open mHealth")
    kind, _ = classify(source_name, None)

    def sample(metric: Metric, value: float, s: datetime = start, **extra: Any) -> Sample:
        return make_sample(
            metric,
            value,
            s.astimezone(UTC),
            end.astimezone(UTC),
            utc_offset=s.utcoffset(),
            source_name=source_name,
            source_kind=kind,
            modality=Modality(provenance.get("modality", "sensed")),
            own_id=f"{header['id']}|{metric.value}",
            **extra,
        )

    if family == "step-count":
        count = body["step_count"]
        yield sample(Metric.steps, float(count["value"] if isinstance(count, dict) else count))
    elif family == "heart-rate":
        yield sample(Metric.heart_rate, float(body["heart_rate"]["value"]))
    elif family in ("sleep-duration", "total-sleep-time", "sleep-episode"):
        key = {"sleep-duration": "sleep_duration"}.get(family, "total_sleep_time")
        yield sample(
            Metric.sleep, (end - start).total_seconds() / 60, sleep_stage=SleepStage.in_bed
        )
        if key in body:
            value = body[key]
            asleep = timedelta(seconds=value["value"] * _SECONDS[value["unit"]])
            onset = max(start, end - asleep)
            yield sample(
                Metric.sleep,
                (end - onset).total_seconds() / 60,
                onset,
                sleep_stage=SleepStage.asleep_unspecified,
            )
    elif family == "minutes-moderate-activity":
        yield sample(Metric.active_minutes, float(body["minutes_moderate_activity"]["value"]))
    elif family == "calories-burned":
        yield sample(Metric.active_energy, float(body["kcal_burned"]["value"]))
    elif family == "physical-activity":
        if "distance" in body:
            distance = body["distance"]
            yield sample(Metric.distance, distance["value"] * _METRES[distance["unit"]])
        if "kcal_burned" in body:
            yield sample(Metric.active_energy, float(body["kcal_burned"]["value"]))
        if body.get("reported_activity_intensity") in ("moderate", "vigorous"):
            yield sample(Metric.active_minutes, (end - start).total_seconds() / 60)


register(OpenMHealthImporter())
