"""Which days and streams are missing, and why where the data can tell.

Reasons, in the order they are tried:
- the file ended before the day (after `data_end`, by default the last day with any sample);
- sleep recorded only as in-bed time (no asleep stages), e.g. the phone's bedtime schedule;
- only the phone, no watch worn: steps came from a phone alone on a day when heart rate,
  resting rate, exercise minutes or watch steps are missing, for a patient who does wear a
  watch on other days (for a phone-only patient these streams are simply absent);
- no samples.
Steps counted from the phone alone on such a day are `partial`, not missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import chain
from zoneinfo import ZoneInfo

from painpath.monitoring.wearables.daily import DailySummary, daily_summaries
from painpath.monitoring.wearables.model import Sample, SourceKind


class Stream(StrEnum):
    steps = "steps"
    heart_rate = "heart_rate"
    resting_heart_rate = "resting_heart_rate"
    active_minutes = "active_minutes"
    sleep = "sleep"


ALL_STREAMS = tuple(Stream)


class Status(StrEnum):
    complete = "complete"
    partial = "partial"
    missing = "missing"


class Reason(StrEnum):
    no_samples = "no samples"
    phone_only = "only phone, no watch worn"
    in_bed_only = "sleep recorded only as in-bed time"
    after_data_end = "the file ended before this day"


@dataclass(frozen=True, slots=True)
class StreamStatus:
    stream: Stream
    status: Status
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class DayCompleteness:
    day: date
    streams: tuple[StreamStatus, ...]

    @property
    def missing(self) -> tuple[Stream, ...]:
        return tuple(s.stream for s in self.streams if s.status is Status.missing)

    @property
    def complete(self) -> bool:
        return all(s.status is Status.complete for s in self.streams)

    def status(self, stream: Stream) -> StreamStatus:
        return next(s for s in self.streams if s.stream is stream)


def completeness(
    data: Iterable[DailySummary] | Iterable[Sample],
    start: date,
    end: date,
    streams: Sequence[Stream] = ALL_STREAMS,
    *,
    tz: ZoneInfo | None = None,
    data_end: date | None = None,
) -> list[DayCompleteness]:
    """Completeness of each day from `start` to `end` (inclusive) for the given streams.

    `data` is daily summaries, or samples (then `tz`, the patient's zone, is required).
    `data_end` is when the file's data stops (e.g. the export date); by default the last day
    with any sample.
    """
    items = iter(data)
    first = next(items, None)
    if isinstance(first, Sample):
        if tz is None:
            raise ValueError("completeness of samples needs the patient's time zone (tz=)")
        rest: Iterable[Sample] = items  # type: ignore[assignment]
        summaries = daily_summaries(chain([first], rest), tz)
    else:
        summaries = [s for s in chain([first], items) if isinstance(s, DailySummary)]
    by_day = {s.day: s for s in summaries}
    if data_end is None:
        data_end = max((s.day for s in summaries if _has_data(s)), default=start - timedelta(1))
    wears_watch = any(SourceKind.watch in s.step_sources or s.heart_rate_samples for s in summaries)
    out = []
    day = start
    while day <= end:
        summary = by_day.get(day)
        out.append(
            DayCompleteness(
                day, tuple(_status(st, summary, day > data_end, wears_watch) for st in streams)
            )
        )
        day += timedelta(days=1)
    return out


def _has_data(s: DailySummary) -> bool:
    return (
        any(
            v is not None
            for v in (
                s.steps,
                s.active_minutes,
                s.sleep_minutes,
                s.in_bed_minutes,
                s.resting_heart_rate,
            )
        )
        or s.heart_rate_samples > 0
    )


def _status(
    stream: Stream, s: DailySummary | None, after_end: bool, wears_watch: bool
) -> StreamStatus:
    present = (
        s is not None
        and {
            Stream.steps: s.steps is not None,
            Stream.heart_rate: s.heart_rate_samples > 0,
            Stream.resting_heart_rate: s.resting_heart_rate is not None,
            Stream.active_minutes: s.active_minutes is not None,
            Stream.sleep: s.sleep_minutes is not None,
        }[stream]
    )
    phone_only = wears_watch and s is not None and s.step_sources == frozenset({SourceKind.phone})
    if present:
        if stream is Stream.steps and phone_only:
            return StreamStatus(stream, Status.partial, Reason.phone_only)
        return StreamStatus(stream, Status.complete)
    if after_end:
        reason = Reason.after_data_end
    elif stream is Stream.sleep and s is not None and s.in_bed_minutes is not None:
        reason = Reason.in_bed_only
    elif phone_only and stream is not Stream.sleep:
        reason = Reason.phone_only
    else:
        reason = Reason.no_samples
    return StreamStatus(stream, Status.missing, reason)
