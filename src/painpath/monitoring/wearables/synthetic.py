"""A synthetic, realistic Apple Health export of any length, written as a stream.

One simulated patient wears an Apple Watch and carries an iPhone. Per day, in absolute minutes
from local midnight: the watch is worn 07:00–19:30 and 20:30–22:30 (charging in between) and
overnight; it writes steps and distance in back-to-back 1–4 minute records, heart rate every
~5 minutes around the clock, active energy every 2 minutes, basal energy every minute (a type
painpath does not import: it is skipped and counted, as in real exports), 30 exercise minutes
at 18:00, a daily resting heart rate, and sleep stages through the night. The phone writes steps
and distance on a 10-minute grid 07:00–22:30 and an in-bed interval each night. On the second
day and every 29th after it the watch stays in the drawer: phone steps and in-bed only.

Because watch records tile the worn windows exactly and phone records sit on the 10-minute grid,
the correct de-duplicated step total is known without painpath's own aggregation: all watch
steps, plus phone steps in the charging hour (or all phone steps on a drawer day). Records are
grouped by type, as Apple writes them; no synthetic record describes a real person.
"""

from __future__ import annotations

import os
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

WATCH = "Pat’s Apple Watch"
PHONE = "Pat’s iPhone"
_WATCH_DEVICE = (
    "&lt;&lt;HKDevice: 0x283c9c0a0&gt;, name:Apple Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch6,1, software:9.0&gt;"
)
_PHONE_DEVICE = (
    "&lt;&lt;HKDevice: 0x283c9c140&gt;, name:iPhone, manufacturer:Apple Inc., "
    "model:iPhone, hardware:iPhone12,1, software:16.0&gt;"
)
WORN = ((420, 1170), (1230, 1350))
CHARGING = (1170, 1230)
PHONE_WINDOW = (420, 1350)
EXERCISE = (1080, 1110)
_Q = "HKQuantityTypeIdentifier"
_SLEEP_PREFIX = "HKCategoryValueSleepAnalysis"

_DTD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 (synthetic, written by painpath) -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ATTLIST Me HKCharacteristicTypeIdentifierBiologicalSex CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED sourceName CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED device CDATA #IMPLIED creationDate CDATA #IMPLIED
  startDate CDATA #REQUIRED endDate CDATA #REQUIRED>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
]>
"""


@dataclass(frozen=True, slots=True)
class SyntheticDay:
    """What the generator wrote for one local day (sleep: the night that ends on it)."""

    day: date
    watch_worn: bool
    watch_steps: int
    phone_steps: int
    #: The correct total: watch steps plus phone steps the watch did not cover.
    steps: int
    active_minutes: int
    sleep_minutes: int
    in_bed_minutes: int
    resting_heart_rate: int | None


@dataclass(frozen=True, slots=True)
class SyntheticExport:
    path: Path
    records: int
    tz: str
    days: tuple[SyntheticDay, ...]


@dataclass(frozen=True, slots=True)
class _Rec:
    start: float  # epoch seconds
    end: float
    value: float
    watch: bool
    meta: str = ""


class _Day:
    """Deterministic events of one local day, rebuilt identically for each record type."""

    def __init__(self, seed: int, day: date, tz: ZoneInfo, index: int) -> None:
        self.day = day
        self.seed = seed
        midnight = datetime.combine(day, time(), tzinfo=tz)
        self.t0 = midnight.timestamp()
        self.length = int((datetime.combine(day + timedelta(1), time(), tzinfo=tz)).timestamp())
        self.length = (self.length - int(self.t0)) // 60
        self.worn = index % 29 != 1

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.day.isoformat()}:{stream}")

    def at(self, minute: float) -> float:
        return self.t0 + minute * 60

    def watch_steps(self) -> list[_Rec]:
        if not self.worn:
            return []
        rng, out = self.rng("watch-steps"), []
        for lo, hi in WORN:
            m = lo
            while m < hi:
                n = min(rng.randint(1, 4), hi - m)
                per_minute = rng.choice((0, 0, 0, 0, 0, 2, 5, 10, 20, 60))
                out.append(_Rec(self.at(m), self.at(m + n), n * per_minute, True))
                m += n
        return out

    def phone_steps(self) -> list[_Rec]:
        rng = self.rng("phone-steps")
        return [
            _Rec(self.at(m), self.at(m + 10), rng.randint(0, 180), False)
            for m in range(PHONE_WINDOW[0], PHONE_WINDOW[1], 10)
        ]

    def heart_rate(self) -> list[_Rec]:
        if not self.worn:
            return []
        rng, out, m = self.rng("hr"), [], 0.0
        while m < self.length:
            if not CHARGING[0] <= m < CHARGING[1]:
                out.append(_Rec(self.at(m), self.at(m), rng.randint(52, 120), True, _MOTION))
            m += rng.uniform(4, 6)
        return out

    def active_energy(self) -> list[_Rec]:
        if not self.worn:
            return []
        rng = self.rng("energy")
        return [
            _Rec(self.at(m), self.at(m + 2), round(rng.uniform(0.5, 5), 3), True)
            for lo, hi in WORN
            for m in range(lo, hi, 2)
        ]

    def basal_energy(self) -> list[_Rec]:
        if not self.worn:
            return []
        return [_Rec(self.at(m), self.at(m + 1), 1.1, True) for m in range(self.length)]

    def exercise(self) -> list[_Rec]:
        if not self.worn:
            return []
        return [_Rec(self.at(m), self.at(m + 1), 1, True) for m in range(*EXERCISE)]

    def resting(self) -> list[_Rec]:
        if not self.worn:
            return []
        return [_Rec(self.at(5), self.at(1350), self.rng("rest").randint(52, 64), True)]

    def night(self) -> tuple[list[_Rec], list[tuple[str, _Rec]]]:
        """In-bed (phone) and stage (watch) records of the night ending on this day."""
        rng = self.rng("sleep")
        start = -60 + rng.randint(-30, 30)
        end = 390 + rng.randint(-30, 30)
        in_bed = [_Rec(self.at(start - 10), self.at(end + 10), 0, False)]
        if not self.worn:
            return in_bed, []
        stages: list[tuple[str, _Rec]] = []
        m = start
        cycle = ("AsleepCore", "AsleepDeep", "AsleepCore", "AsleepREM", "Awake")
        while m < end:
            for stage in cycle:
                n = min(rng.randint(3, 40) if stage != "Awake" else rng.randint(1, 4), end - m)
                if n <= 0:
                    break
                stages.append((stage, _Rec(self.at(m), self.at(m + n), 0, True, _TZ_META)))
                m += n
        return in_bed, stages

    def truth(self) -> SyntheticDay:
        watch = sum(int(r.value) for r in self.watch_steps())
        phones = self.phone_steps()
        phone = sum(int(r.value) for r in phones)
        if self.worn:
            lo, hi = self.at(CHARGING[0]), self.at(CHARGING[1])
            uncovered = sum(int(r.value) for r in phones if lo <= r.start and r.end <= hi)
        else:
            uncovered = phone
        in_bed, stages = self.night()
        asleep = sum(round((r.end - r.start) / 60) for s, r in stages if s != "Awake")
        rest = self.resting()
        return SyntheticDay(
            day=self.day,
            watch_worn=self.worn,
            watch_steps=watch,
            phone_steps=phone,
            steps=watch + uncovered,
            active_minutes=len(self.exercise()),
            sleep_minutes=asleep,
            in_bed_minutes=round((in_bed[0].end - in_bed[0].start) / 60),
            resting_heart_rate=int(rest[0].value) if rest else None,
        )


_MOTION = '<MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>'
_TZ_META = "TZ"


def _distance(recs: list[_Rec]) -> list[_Rec]:
    return [_Rec(r.start, r.end, round(r.value * 0.00075, 5), r.watch) for r in recs]


#: (type, unit, events of a day as (record, sleep value or None)).
_Stream = tuple[str, str | None, Callable[[_Day], Iterator[tuple[_Rec, str | None]]]]


def _plain(get: Callable[[_Day], list[_Rec]]) -> Callable[[_Day], Iterator[tuple[_Rec, None]]]:
    return lambda d: ((r, None) for r in get(d))


def _sleep(d: _Day) -> Iterator[tuple[_Rec, str]]:
    in_bed, stages = d.night()
    for r in in_bed:
        yield r, "InBed"
    for stage, r in stages:
        yield r, stage


_STREAMS: tuple[_Stream, ...] = (
    (f"{_Q}StepCount", "count", _plain(lambda d: d.watch_steps() + d.phone_steps())),
    (
        f"{_Q}DistanceWalkingRunning",
        "km",
        _plain(lambda d: _distance(d.watch_steps() + d.phone_steps())),
    ),
    (f"{_Q}HeartRate", "count/min", _plain(_Day.heart_rate)),
    (f"{_Q}RestingHeartRate", "count/min", _plain(_Day.resting)),
    (f"{_Q}ActiveEnergyBurned", "kcal", _plain(_Day.active_energy)),
    (f"{_Q}BasalEnergyBurned", "kcal", _plain(_Day.basal_energy)),
    (f"{_Q}AppleExerciseTime", "min", _plain(_Day.exercise)),
    ("HKCategoryTypeIdentifierSleepAnalysis", None, _sleep),
)


def write_apple_export(
    path: str | os.PathLike[str],
    days: int = 365,
    seed: int = 1,
    *,
    start: date = date(2025, 1, 1),
    tz: str = "America/New_York",
) -> SyntheticExport:
    """Write an export.xml (or an export.zip with apple_health_export/export.xml) covering
    `days` local days from `start`; returns what was written, with the expected daily totals.

    A year at the defaults has about 1.1 million Record elements (~330 MB of XML).
    """
    zone = ZoneInfo(tz)
    target = Path(path)
    all_days = [_Day(seed, start + timedelta(i), zone, i) for i in range(days)]
    if target.suffix == ".zip":
        with (
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
            archive.open("apple_health_export/export.xml", "w", force_zip64=True) as raw,
        ):
            records = _write(raw, all_days, zone)
    else:
        with target.open("wb") as raw:
            records = _write(raw, all_days, zone)
    return SyntheticExport(target, records, tz, tuple(d.truth() for d in all_days))


def _write(raw: IO[bytes], days: list[_Day], zone: ZoneInfo) -> int:
    fmt = _Formatter(zone)
    out: list[str] = [_DTD, '<HealthData locale="en_US">\n']
    end = days[-1].at(days[-1].length) + 3600
    out.append(f' <ExportDate value="{fmt(end)}"/>\n')
    out.append(' <Me HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexNotSet"/>\n')
    records = 0
    for kind, unit, events in _STREAMS:
        for day in days:
            for rec, sleep_value in events(day):
                records += 1
                out.append(_record(kind, unit, rec, sleep_value, fmt))
            if len(out) > 2000:
                raw.write("".join(out).encode())
                out.clear()
    out.append("</HealthData>\n")
    raw.write("".join(out).encode())
    return records


def _record(kind: str, unit: str | None, rec: _Rec, sleep: str | None, fmt: _Formatter) -> str:
    source, device = (WATCH, _WATCH_DEVICE) if rec.watch else (PHONE, _PHONE_DEVICE)
    start, end = fmt(rec.start), fmt(rec.end)
    value = f"{_SLEEP_PREFIX}{sleep}" if sleep is not None else f"{rec.value:g}"
    unit_attr = f' unit="{unit}"' if unit else ""
    head = (
        f' <Record type="{kind}" sourceName="{source}" sourceVersion="9.0" device="{device}"'
        f'{unit_attr} creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}"'
    )
    if not rec.meta:
        return head + "/>\n"
    meta = (
        f'  <MetadataEntry key="HKTimeZone" value="{fmt.zone_name}"/>'
        if rec.meta == _TZ_META
        else f"  {rec.meta}"
    )
    return f"{head}>\n{meta}\n </Record>\n"


class _Formatter:
    """Epoch seconds → `YYYY-MM-DD HH:MM:SS ±HHMM` in the patient's zone."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.zone_name = zone.key

    def __call__(self, epoch: float) -> str:
        local = datetime.fromtimestamp(round(epoch), UTC).astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M:%S %z")
