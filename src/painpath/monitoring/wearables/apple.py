"""Apple Health `export.xml` (or the `export.zip` around it), streamed.

defusedxml's iterparse refuses entity declarations and external references (billion laughs,
XXE) yet accepts the export's internal DTD, which declares elements only. Each top-level
element is dropped as soon as it is read, so memory stays flat whatever the file size.
Records inside a Correlation are skipped: the export repeats them at top level. The stream is
metered (`InputLimits`): a zip's member count, the bytes inflated, and the bytes read without an
element completing are all bounded, so a crafted export cannot make expat buffer it whole.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

# defusedxml ships no type stubs (types-defusedxml is not a dependency).
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]

from painpath.kit.limits import DEFAULT_LIMITS, InputLimits, LimitExceeded
from painpath.monitoring.wearables.apple_types import (
    QUANTITY_TYPES,
    SLEEP_TYPE,
    SLEEP_VALUES,
    SYNC_KEYS,
    TIME_ZONE_KEY,
    classify,
)
from painpath.monitoring.wearables.archive import open_zip
from painpath.monitoring.wearables.errors import FileProblem, ImportReport, WearableFileError
from painpath.monitoring.wearables.formats import WearableFormat
from painpath.monitoring.wearables.model import Metric, Sample, make_sample
from painpath.monitoring.wearables.registry import Importer, ImportSource, Probe, register

_OFFSETS: dict[str, timezone] = {}
_SLEEP = Metric.sleep
_CHUNK = 64 * 1024
#: Elements one record may hold (metadata entries, heart-rate series points): each stays in
#: memory until the record ends.
MAX_NESTED_ELEMENTS = 50_000


def parse_apple_date(text: str) -> datetime:
    """`2014-09-13 10:27:54 +0100` → an aware datetime in the written offset (fast path)."""
    if len(text) != 25 or text[4] != "-" or text[10] != " " or text[19] != " ":
        raise ValueError(f"not an Apple Health date: {text!r}")
    offset = _OFFSETS.get(text[20:])
    if offset is None:
        sign = text[20]
        if sign not in "+-" or not text[21:].isdigit():
            raise ValueError(f"not an Apple Health date: {text!r}")
        minutes = int(text[21:23]) * 60 + int(text[23:25])
        offset = timezone(timedelta(minutes=-minutes if sign == "-" else minutes))
        _OFFSETS[text[20:]] = offset
    return datetime(
        int(text[0:4]),
        int(text[5:7]),
        int(text[8:10]),
        int(text[11:13]),
        int(text[14:16]),
        int(text[17:19]),
        tzinfo=offset,
    )


def export_member(names: tuple[str, ...]) -> str | None:
    """The export.xml inside an export.zip (not export_cda.xml)."""
    for name in names:
        if name.rsplit("/", 1)[-1] == "export.xml":
            return name
    return None


class AppleHealthImporter(Importer):
    name = WearableFormat.apple_health

    def detect(self, probe: Probe) -> bool:
        if probe.is_container:
            return probe.path.suffix == ".zip" and export_member(probe.names) is not None
        return b"<HealthData" in probe.head or b"DOCTYPE HealthData" in probe.head

    def read(self, source: ImportSource) -> Iterator[Sample]:
        with _open(str(source.path), source.limits) as stream:
            yield from read_export(stream, str(source.path), source.report, source.limits)


@contextmanager
def _open(path: str, limits: InputLimits) -> Iterator[IO[bytes]]:
    if zipfile.is_zipfile(path):
        try:
            with open_zip(Path(path), limits) as archive:
                member = export_member(tuple(archive.namelist()))
                if member is None:
                    raise WearableFileError(
                        path, FileProblem.UNKNOWN_FORMAT, "no apple_health_export/export.xml"
                    )
                with archive.open(member) as stream:
                    yield stream
        except (zipfile.BadZipFile, EOFError) as error:
            raise WearableFileError(path, FileProblem.BAD_ZIP, str(error)) from None
    else:
        with open(path, "rb") as stream:
            yield stream


class _Metered:
    """The export stream as iterparse reads it, refused past the limits: more than
    `max_decompressed_bytes` in all, or more than `max_line_bytes` read without the parser
    completing anything (one endless attribute, text run or comment, which expat would
    otherwise buffer whole)."""

    def __init__(self, stream: IO[bytes], path: str, limits: InputLimits) -> None:
        self.stream = stream
        self.path = path
        self.limits = limits
        self.total = 0
        self.pending = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else _CHUNK)
        self.total += len(data)
        self.pending += len(data)
        most = self.limits.max_decompressed_bytes
        if self.total > most:
            raise LimitExceeded(
                self.path, "max_decompressed_bytes", most, f"more than {most} bytes of XML"
            )
        longest = self.limits.max_line_bytes
        if self.pending > longest + _CHUNK:
            raise LimitExceeded(
                self.path,
                "max_line_bytes",
                longest,
                f"more than {longest} bytes of XML without a complete element",
            )
        return data

    def progressed(self) -> None:
        self.pending = 0


def read_export(
    stream: IO[bytes], path: str, report: ImportReport, limits: InputLimits = DEFAULT_LIMITS
) -> Iterator[Sample]:
    """Samples of an export.xml stream; WearableFileError (with line and column) if unreadable,
    LimitExceeded past `limits`. Memory stays bounded whatever the stream holds."""
    depth = nested = 0
    root: Element | None = None
    dates = _Dates()
    metered = _Metered(stream, path, limits)
    events: Any = iterparse(metered, events=("start", "end"))
    try:
        for event, elem in events:
            metered.progressed()
            if event == "start":
                depth += 1
                if depth == 1:
                    root = elem
                    if elem.tag != "HealthData":
                        raise WearableFileError(
                            path, FileProblem.UNKNOWN_FORMAT, f"root element is <{elem.tag}>"
                        )
                continue
            depth -= 1
            if depth != 1:
                nested += 1
                if nested > MAX_NESTED_ELEMENTS:
                    raise WearableFileError(
                        path,
                        FileProblem.BAD_VALUE,
                        f"more than {MAX_NESTED_ELEMENTS} elements inside one record",
                    )
                continue
            nested = 0
            tag = elem.tag
            if tag == "Record":
                report.records += 1
                sample = _record(elem, report, dates)
                if sample is not None:
                    yield sample
            elif tag == "ExportDate":
                report.exported_at = _date(elem.get("value"))
            elif tag != "Me":
                report.skip(f"element {tag}")
            if root is not None:
                root.clear()  # drop what was read: memory stays flat
    except ParseError as error:
        line, column = error.position
        raise WearableFileError(
            path, FileProblem.MALFORMED_XML, str(error).split(":")[0], line=line, column=column
        ) from None
    except DefusedXmlException as error:
        raise WearableFileError(path, FileProblem.UNSAFE_XML, str(error)) from None
    except zipfile.BadZipFile as error:
        raise WearableFileError(path, FileProblem.BAD_ZIP, str(error)) from None
    if root is None:
        raise WearableFileError(path, FileProblem.MALFORMED_XML, "no root element")


class _Dates:
    """Parsed dates of recent records: consecutive records share most of their dates (one's
    end is the next one's start; an instant's start is its end). Cleared when large."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[datetime, datetime]] = {}

    def __call__(self, text: str) -> tuple[datetime, datetime]:
        """(local with offset, UTC) of an Apple date; ValueError when malformed."""
        found = self.cache.get(text)
        if found is None:
            if len(self.cache) > 512:
                self.cache.clear()
            local = parse_apple_date(text)
            found = self.cache[text] = (local, local.astimezone(UTC))
        return found


def _date(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_apple_date(text)
    except ValueError:
        return None


def _record(elem: Element, report: ImportReport, dates: _Dates) -> Sample | None:
    kind = elem.get("type", "")
    quantity = QUANTITY_TYPES.get(kind)
    if quantity is None and kind != SLEEP_TYPE:
        report.skip(f"unknown type {kind}")
        return None
    start_text, end_text = elem.get("startDate"), elem.get("endDate")
    if start_text is None or end_text is None:
        report.skip(f"no startDate/endDate in {kind}")
        return None
    try:
        (local_start, start), (_, end) = dates(start_text), dates(end_text)
    except (ValueError, OverflowError):  # malformed, or past the calendar's ends in UTC
        report.skip(f"invalid date in {kind}")
        return None
    if end < start:
        report.skip(f"endDate before startDate in {kind}")
        return None
    source_name = elem.get("sourceName", "")
    source_kind, device = classify(source_name, elem.get("device"))
    own_id = device_tz = None
    for entry in elem:
        key = entry.get("key")
        if key == TIME_ZONE_KEY:
            device_tz = entry.get("value")
        elif key in SYNC_KEYS and own_id is None:
            own_id = entry.get("value")
    raw = elem.get("value", "")
    if quantity is not None:
        factor = quantity.factors.get(elem.get("unit", ""))
        if factor is None:
            report.skip(f"unsupported unit {elem.get('unit')!r} in {kind}")
            return None
        try:
            value = float(raw) * factor
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            report.skip(f"invalid value in {kind}")
            return None
        metric, stage = quantity.metric, None
    else:
        stage = SLEEP_VALUES.get(raw)
        if stage is None:
            report.skip(f"unknown sleep value {raw!r}")
            return None
        metric, value = _SLEEP, (end - start).total_seconds() / 60
    return make_sample(
        metric,
        value,
        start,
        end,
        utc_offset=local_start.utcoffset(),
        source_name=source_name,
        source_kind=source_kind,
        device=device,
        sleep_stage=stage,
        own_id=own_id,
        device_tz=device_tz,
    )


register(AppleHealthImporter())
