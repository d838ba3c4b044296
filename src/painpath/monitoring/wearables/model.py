"""The values every wearable importer produces: one normalized `Sample` per measurement.

Times are aware UTC datetimes; the offset the device wrote is kept beside them, because a
patient's day is decided later, in the patient's own IANA time zone (see `daily`). Units are
UCUM codes. `client_id` is the idempotency key: re-reading a file yields the same ids, so a
store that refuses known ids adds nothing on a second import.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from painpath.kit.clock import EARLIEST_DATE, LATEST_DATE, in_range


class Metric(StrEnum):
    """What a sample measures."""

    steps = "steps"
    heart_rate = "heart_rate"
    resting_heart_rate = "resting_heart_rate"
    active_minutes = "active_minutes"
    active_energy = "active_energy"
    distance = "distance"
    sleep = "sleep"


class SleepStage(StrEnum):
    """HealthKit's sleep-analysis values (HL7's PHR format IG mirrors them as a CodeSystem)."""

    in_bed = "in_bed"
    asleep_unspecified = "asleep_unspecified"
    awake = "awake"
    core = "core"
    deep = "deep"
    rem = "rem"

    @property
    def asleep(self) -> bool:
        """Whether the stage counts towards sleep duration (in-bed and awake do not)."""
        return self.value not in ("in_bed", "awake")


class SourceKind(StrEnum):
    """What recorded a sample; aggregation prefers a watch over a phone over anything else."""

    watch = "watch"
    phone = "phone"
    other = "other"

    @property
    def rank(self) -> int:
        """Priority when two sources cover the same interval (lower wins)."""
        return _RANK[self]


_RANK = {SourceKind.watch: 0, SourceKind.phone: 1, SourceKind.other: 2}


class Modality(StrEnum):
    """Open mHealth's acquisition modality."""

    sensed = "sensed"
    self_reported = "self-reported"


#: UCUM unit of each metric's values (sleep samples carry their duration in minutes).
UNITS: dict[Metric, str] = {
    Metric.steps: "{steps}",
    Metric.heart_rate: "/min",
    Metric.resting_heart_rate: "/min",
    Metric.active_minutes: "min",
    Metric.active_energy: "kcal",
    Metric.distance: "m",
    Metric.sleep: "min",
}

#: LOINC code of each metric where one is known (LOINC, https://loinc.org). Steps use 55423-8
#: (steps, unspecified time) because a sample covers its own interval, not a whole day.
LOINC: dict[Metric, str] = {
    Metric.steps: "55423-8",
    Metric.heart_rate: "8867-4",
    Metric.resting_heart_rate: "40443-4",
    Metric.sleep: "93832-4",
}

#: LOINC of sleep-stage durations (light = core), where known.
SLEEP_STAGE_LOINC: dict[SleepStage, str] = {
    SleepStage.deep: "93831-6",
    SleepStage.core: "93830-8",
    SleepStage.rem: "93829-0",
}


@dataclass(frozen=True, slots=True)
class Sample:
    """One measurement over [start, end] (equal for an instant), normalized."""

    metric: Metric
    value: float
    unit: str
    start: datetime
    end: datetime
    #: The UTC offset the source wrote the times with; None when it gave UTC only.
    utc_offset: timedelta | None
    source_name: str
    device: str | None
    source_kind: SourceKind
    modality: Modality
    client_id: str
    sleep_stage: SleepStage | None = None
    loinc: str | None = None
    #: IANA zone the device reported (HealthKit's HKTimeZone), when it did.
    device_tz: str | None = None

    @property
    def seconds(self) -> float:
        """Length of the sample's interval."""
        return (self.end - self.start).total_seconds()


def client_id(
    *,
    source_kind: SourceKind,
    metric: Metric,
    start: datetime,
    end: datetime,
    value: float,
    source: str,
    own_id: str | None = None,
) -> str:
    """The idempotency key of a sample: 32 hex digits.

    A record's own identifier (a HealthKit sync identifier, an Open mHealth header id, a FHIR
    Observation id) wins when there is one, scoped by source and metric; otherwise the hash
    covers what makes the measurement itself: source kind, metric, interval, value and source.
    """
    # StrEnum members format as their values; floats as their shortest exact repr.
    if own_id is not None:
        key = f"id|{source}|{metric}|{own_id}"
    else:
        key = (
            f"v|{source_kind}|{metric}|{start.timestamp()!r}|{end.timestamp()!r}|{value!r}|{source}"
        )
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


#: The longest interval one sample may cover: a daily total or a night's sleep is far shorter,
#: and a longer one would be spread over every day it touches.
MAX_SAMPLE_SPAN = timedelta(days=7)


def sample_problem(sample: Sample) -> str | None:
    """Why a sample cannot be aggregated (None when it can): a value that is not a finite
    number, a time outside the accepted date range, or an interval over MAX_SAMPLE_SPAN."""
    if not math.isfinite(sample.value):
        return "value that is not a finite number"
    if not (in_range(sample.start.date()) and in_range(sample.end.date())):
        return f"time outside {EARLIEST_DATE.year}-{LATEST_DATE.year}"
    if sample.end - sample.start > MAX_SAMPLE_SPAN:
        return f"interval longer than {MAX_SAMPLE_SPAN.days} days"
    return None


def make_sample(
    metric: Metric,
    value: float,
    start: datetime,
    end: datetime,
    *,
    utc_offset: timedelta | None,
    source_name: str,
    source_kind: SourceKind,
    device: str | None = None,
    modality: Modality = Modality.sensed,
    sleep_stage: SleepStage | None = None,
    own_id: str | None = None,
    device_tz: str | None = None,
) -> Sample:
    """A Sample with its unit, LOINC code and client id filled in; times must be UTC-aware."""
    loinc = LOINC.get(metric)
    if sleep_stage is not None:
        loinc = SLEEP_STAGE_LOINC.get(sleep_stage, loinc if sleep_stage.asleep else None)
        if own_id is not None:
            own_id = f"{own_id}|{sleep_stage.value}|{start.timestamp():.0f}"
    return Sample(
        metric=metric,
        value=value,
        unit=UNITS[metric],
        start=start,
        end=end,
        utc_offset=utc_offset,
        source_name=source_name,
        device=device,
        source_kind=source_kind,
        modality=modality,
        client_id=client_id(
            source_kind=source_kind,
            metric=metric,
            start=start,
            end=end,
            value=value,
            source=source_name,
            own_id=own_id,
        ),
        sleep_stage=sleep_stage,
        loinc=loinc,
        device_tz=device_tz,
    )
