"""Google Takeout Fitbit files ("Fitbit/Global Export Data/"), from a directory or a zip.

Read: `steps-*.json` (per minute), `heart_rate-*.json` (every few seconds),
`resting_heart_rate-*.json` (daily), `sleep-*.json` (logs with stage data) and
`very_active_minutes-*` / `moderately_active_minutes-*` (daily; their sum is the day's active
minutes, light activity is not counted). Other files are skipped and counted.

Times are written as local wall time without an offset (`MM/DD/YY HH:MM:SS`, sleep in ISO
form), so the patient's time zone is required. Fitbit writes a zero for every minute whether
the tracker was worn or not: zero-step minutes are skipped (counted), so they cannot make an
unworn day look complete. Sleep stages map light → core, deep → deep, rem → rem,
wake → awake; classic logs map asleep → asleep (unspecified) and restless, awake → awake.
Short wakes (`shortData`) are cut out of the stage intervals they interrupt; the log's whole
span is also written as in-bed time.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from painpath.monitoring.wearables.errors import FileProblem, ImportReport, WearableFileError
from painpath.monitoring.wearables.formats import WearableFormat
from painpath.monitoring.wearables.intervals import Union
from painpath.monitoring.wearables.jsonfiles import container, load, members, read_text
from painpath.monitoring.wearables.model import (
    Metric,
    Sample,
    SleepStage,
    SourceKind,
    make_sample,
)
from painpath.monitoring.wearables.registry import Importer, ImportSource, Probe, register

SOURCE = "Fitbit"
_FILE = re.compile(
    r"(?:^|/)(steps|heart_rate|resting_heart_rate|sleep|very_active_minutes|"
    r"moderately_active_minutes|lightly_active_minutes|sedentary_minutes|calories|distance|"
    r"altitude|time_in_heart_rate_zones|exercise|weight)-\d{4}-\d{2}-\d{2}\.json$"
)
_STAGES = {
    "light": SleepStage.core,
    "deep": SleepStage.deep,
    "rem": SleepStage.rem,
    "wake": SleepStage.awake,
    "asleep": SleepStage.asleep_unspecified,
    "restless": SleepStage.awake,
    "awake": SleepStage.awake,
}


class FitbitTakeoutImporter(Importer):
    name = WearableFormat.fitbit_takeout

    def detect(self, probe: Probe) -> bool:
        names = probe.names or (probe.path.name,)
        return any(_FILE.search(name) for name in names)

    def read(self, source: ImportSource) -> Iterator[Sample]:
        tz = source.tz
        if tz is None:
            raise WearableFileError(
                str(source.path), FileProblem.NEEDS_TIME_ZONE, "Fitbit writes local wall time"
            )
        if source.path.is_file() and not zipfile.is_zipfile(source.path):
            kind = _FILE.search(source.path.name)
            if kind is not None:
                text = read_text(source.path, None, source.limits)
                yield from _file(source, tz, kind.group(1), None, text)
            return
        with container(source.path, source.limits) as read:
            for member in members(source.path, source.limits):
                kind = _FILE.search(member)
                if kind is not None:
                    yield from _file(source, tz, kind.group(1), member, read(member))


def _file(
    source: ImportSource, tz: ZoneInfo, kind: str, member: str | None, text: str
) -> Iterator[Sample]:
    """Samples of one daily file."""
    reader = _READERS.get(kind)
    if reader is None:
        source.report.skip(f"file kind {kind} not imported")
        return
    where = f"{source.path}!{member}" if member else str(source.path)
    items = load(text, where)
    if not isinstance(items, list):
        raise WearableFileError(where, FileProblem.BAD_VALUE, "expected a JSON array")
    for item in items:
        source.report.records += 1
        try:
            yield from reader(item, tz, source.report)
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            source.report.skip(f"invalid {kind} entry ({error.__class__.__name__})")


def local(text: str, tz: ZoneInfo) -> datetime:
    """`MM/DD/YY HH:MM:SS` or ISO `YYYY-MM-DDTHH:MM:SS.fff` local wall time → UTC."""
    if "/" in text:
        wall = datetime.strptime(text, "%m/%d/%y %H:%M:%S")
    else:
        wall = datetime.fromisoformat(text)
    return wall.replace(tzinfo=tz).astimezone(UTC)


def _sample(
    metric: Metric, value: float, start: datetime, end: datetime, tz: ZoneInfo, **extra: Any
) -> Sample:
    return make_sample(
        metric,
        value,
        start,
        end,
        utc_offset=start.astimezone(tz).utcoffset(),
        source_name=SOURCE,
        source_kind=SourceKind.watch,
        **extra,
    )


def _steps(item: Any, tz: ZoneInfo, report: ImportReport) -> Iterator[Sample]:
    value = float(item["value"])
    if value == 0:
        report.skip("zero-step minute")
        return
    start = local(item["dateTime"], tz)
    yield _sample(Metric.steps, value, start, start + timedelta(minutes=1), tz)


def _heart_rate(item: Any, tz: ZoneInfo, report: ImportReport) -> Iterator[Sample]:
    at = local(item["dateTime"], tz)
    yield _sample(Metric.heart_rate, float(item["value"]["bpm"]), at, at, tz)


def _whole_day(text: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    day = datetime.strptime(text, "%m/%d/%y").date()
    return _midnight(day, tz), _midnight(day + timedelta(days=1), tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _resting(item: Any, tz: ZoneInfo, report: ImportReport) -> Iterator[Sample]:
    value = item["value"].get("value")
    if not value:
        report.skip("resting heart rate without a value")
        return
    start, end = _whole_day(item["value"]["date"], tz)
    yield _sample(Metric.resting_heart_rate, float(value), start, end, tz)


def _active(item: Any, tz: ZoneInfo, report: ImportReport) -> Iterator[Sample]:
    start, end = _whole_day(item["dateTime"].split(" ")[0], tz)
    yield _sample(Metric.active_minutes, float(item["value"]), start, end, tz)


def _skip_light(item: Any, tz: ZoneInfo, report: ImportReport) -> Iterator[Sample]:
    report.skip("lightly active minutes (not counted as active)")
    return iter(())


def _sleep(item: Any, tz: ZoneInfo, report: ImportReport) -> Iterator[Sample]:
    log_id = str(item["logId"])
    start, end = local(item["startTime"], tz), local(item["endTime"], tz)
    yield _sample(
        Metric.sleep,
        (end - start).total_seconds() / 60,
        start,
        end,
        tz,
        sleep_stage=SleepStage.in_bed,
        own_id=log_id,
    )
    levels = item.get("levels") or {}
    short = Union()
    short.add_all(
        (local(s["dateTime"], tz).timestamp(), local(s["dateTime"], tz).timestamp() + s["seconds"])
        for s in levels.get("shortData") or ()
    )
    for entry in levels.get("data") or ():
        stage = _STAGES.get(entry["level"])
        if stage is None:
            report.skip(f"unknown sleep level {entry['level']!r}")
            continue
        lo = local(entry["dateTime"], tz).timestamp()
        pieces = (
            short.free(lo, lo + float(entry["seconds"]))
            if stage.asleep
            else [(lo, lo + float(entry["seconds"]))]
        )
        for a, b in pieces:
            s = datetime.fromtimestamp(a, UTC)
            e = datetime.fromtimestamp(b, UTC)
            yield _sample(Metric.sleep, (b - a) / 60, s, e, tz, sleep_stage=stage, own_id=log_id)


_READERS = {
    "steps": _steps,
    "heart_rate": _heart_rate,
    "resting_heart_rate": _resting,
    "sleep": _sleep,
    "very_active_minutes": _active,
    "moderately_active_minutes": _active,
    "lightly_active_minutes": _skip_light,
}

register(FitbitTakeoutImporter())
