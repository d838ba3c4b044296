"""FHIR R4 Observations: a Bundle of them, one Observation, or NDJSON (bulk export).

Read by LOINC code: 41950-7 (steps in 24 h) and 55423-8 (steps), 8867-4 (heart rate),
40443-4 (resting heart rate), 93832-4 (sleep duration), with effectiveDateTime or
effectivePeriod and valueQuantity. Observations with other codes, without a usable value or
time, or with status entered-in-error/cancelled are skipped and counted, never fatal.
A date-only effectiveDateTime (a daily total) covers that whole local day, which needs the
patient's time zone. A sleep duration with a longer period is read as Open mHealth's is: the
period is in-bed time, the duration an asleep interval ending with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from painpath.kit.clock import in_range
from painpath.monitoring.wearables.apple_types import classify
from painpath.monitoring.wearables.errors import FileProblem, ImportReport, WearableFileError
from painpath.monitoring.wearables.formats import WearableFormat
from painpath.monitoring.wearables.jsonfiles import documents
from painpath.monitoring.wearables.model import Metric, Sample, SleepStage, make_sample
from painpath.monitoring.wearables.registry import Importer, ImportSource, Probe, register

LOINC_SYSTEM = "http://loinc.org"
CODES: dict[str, Metric] = {
    "41950-7": Metric.steps,
    "55423-8": Metric.steps,
    "8867-4": Metric.heart_rate,
    "40443-4": Metric.resting_heart_rate,
    "93832-4": Metric.sleep,
}
_SLEEP_SECONDS = {"h": 3600.0, "min": 60.0, "s": 1.0}
_SKIPPED_STATUS = ("entered-in-error", "cancelled")


class FhirObservationImporter(Importer):
    name = WearableFormat.fhir

    def detect(self, probe: Probe) -> bool:
        return not probe.is_container and (
            b'"resourceType"' in probe.head
            and (b'"Observation"' in probe.head or b'"Bundle"' in probe.head)
        )

    def read(self, source: ImportSource) -> Iterator[Sample]:
        for document, line in documents(source.path, source.limits):
            if not isinstance(document, dict) or "resourceType" not in document:
                raise WearableFileError(
                    str(source.path), FileProblem.BAD_VALUE, "not a FHIR resource", line=line
                )
            for resource in _observations(document, source.report):
                source.report.records += 1
                yield from _observation(resource, source.tz, source.report)


def _observations(document: dict[str, Any], report: ImportReport) -> Iterator[dict[str, Any]]:
    kind = document["resourceType"]
    if kind == "Observation":
        yield document
    elif kind == "Bundle":
        for entry in document.get("entry") or ():
            resource = entry.get("resource") or {}
            if resource.get("resourceType") == "Observation":
                yield resource
            else:
                report.skip(f"resource {resource.get('resourceType')}")
    else:
        report.skip(f"resource {kind}")


def _code(resource: dict[str, Any]) -> str | None:
    for coding in (resource.get("code") or {}).get("coding") or ():
        if coding.get("system") == LOINC_SYSTEM:
            return str(coding.get("code"))
    return None


def _time(text: str, tz: ZoneInfo | None, *, end: bool = False) -> datetime:
    if len(text) == 10:
        if tz is None:
            raise ValueError("date-only time needs the patient's time zone")
        day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
        return datetime(day.year, day.month, day.day, tzinfo=tz)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("dateTime with a time must have an offset")
    return parsed


def _in_utc_range(moment: datetime) -> bool:
    try:
        return in_range(moment.astimezone(UTC).date())
    except OverflowError:
        return False


def _observation(
    resource: dict[str, Any], tz: ZoneInfo | None, report: ImportReport
) -> Iterator[Sample]:
    code = _code(resource)
    metric = CODES.get(code or "")
    if metric is None:
        report.skip(f"unsupported code {code or '(no LOINC code)'}")
        return
    if resource.get("status") in _SKIPPED_STATUS:
        report.skip(f"status {resource['status']}")
        return
    quantity = resource.get("valueQuantity") or {}
    if not isinstance(quantity.get("value"), int | float):
        report.skip(f"LOINC {code} without a numeric valueQuantity")
        return
    try:
        if "effectivePeriod" in resource:
            period = resource["effectivePeriod"]
            start, end = _time(period["start"], tz), _time(period["end"], tz, end=True)
        else:
            text = resource["effectiveDateTime"]
            start = _time(text, tz)
            end = _time(text, tz, end=True) if len(text) == 10 else start
    except (KeyError, ValueError, OverflowError) as error:
        report.skip(f"LOINC {code} without a usable effective time ({error})")
        return
    if not (_in_utc_range(start) and _in_utc_range(end)):
        report.skip(f"LOINC {code} with a time outside the accepted dates")
        return
    if end < start:
        report.skip(f"LOINC {code} period ends before it starts")
        return
    name = (
        (resource.get("device") or {}).get("display")
        or (resource.get("meta") or {}).get("source")
        or "FHIR"
    )
    kind, _ = classify(name, None)
    own_id = resource.get("id")

    def sample(value: float, s: datetime = start, **extra: Any) -> Sample:
        return make_sample(
            metric,
            value,
            s.astimezone(UTC),
            end.astimezone(UTC),
            utc_offset=s.utcoffset(),
            source_name=name,
            source_kind=kind,
            own_id=own_id,
            **extra,
        )

    value = float(quantity["value"])
    if metric is not Metric.sleep:
        yield sample(value)
        return
    seconds = _SLEEP_SECONDS.get(quantity.get("code") or quantity.get("unit") or "")
    if seconds is None or end == start:
        report.skip("sleep duration without a unit of h/min/s or without a period")
        return
    yield sample((end - start).total_seconds() / 60, sleep_stage=SleepStage.in_bed)
    onset = max(start, end - timedelta(seconds=value * seconds))
    yield sample(
        (end - onset).total_seconds() / 60, onset, sleep_stage=SleepStage.asleep_unspecified
    )


register(FhirObservationImporter())
