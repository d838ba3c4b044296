"""Daily aggregates per patient day, in the patient's IANA time zone.

Rules (docs/wearables.md explains them with examples):

- Steps, active minutes, active energy and distance: every source is a tier, ordered watch,
  then phone, then other (then by source name). A sample counts only for the part of its
  interval no higher tier covers, in proportion to that part's length: iPhone and Watch steps
  for the same minutes are counted once (the watch's), and phone steps while the watch was
  charging still count. A sample's counted value is split across local midnights in proportion
  to time, so a DST day simply has 23 or 25 hours. An instant sample counts whole, unless a
  higher tier covers that instant.
- Sleep: the union of every source's asleep intervals (unspecified, core, deep, REM; never
  in-bed or awake), so overlapping sources count once. Union runs less than two hours apart
  form one sleep episode, and an episode belongs to the local day on which it ends: the night
  of Monday to Tuesday is Tuesday's sleep. In-bed time is unioned and attributed the same way.
- Resting heart rate: the day (local date of the sample's start) takes the samples of its
  highest-priority source kind, and the lowest of those if there are several.

Memory: the rules need every source before any can be counted, so cumulative samples are kept
(24 bytes each) until `summaries()`, in a column that moves to a temporary file past 1.5 MiB;
what stays in memory is per day, plus the covered runs of higher-priority sources. Sleep
intervals (a few dozen a night) stay in memory; heart rate is only counted per day.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from painpath.monitoring.wearables.intervals import Union, merge
from painpath.monitoring.wearables.model import Metric, Sample, SleepStage, SourceKind
from painpath.monitoring.wearables.spill import Spill

CUMULATIVE = (Metric.steps, Metric.active_minutes, Metric.active_energy, Metric.distance)
#: Asleep runs closer than this belong to one sleep episode.
EPISODE_GAP = timedelta(hours=2).total_seconds()

_Tier = tuple[int, str]
# Plain module constants: enum member lookups are slow in a loop over a million samples.
_SLEEP, _HR, _RESTING = Metric.sleep, Metric.heart_rate, Metric.resting_heart_rate
_IN_BED = SleepStage.in_bed


@dataclass(frozen=True, slots=True)
class DailySummary:
    """One patient day. None means no samples of that stream on the day."""

    day: date
    steps: float | None
    active_minutes: float | None
    active_energy_kcal: float | None
    distance_m: float | None
    #: Asleep minutes of the sleep episodes ending this day.
    sleep_minutes: float | None
    in_bed_minutes: float | None
    resting_heart_rate: float | None
    heart_rate_samples: int
    #: Source kinds that wrote steps / heart rate this day (before de-duplication).
    step_sources: frozenset[SourceKind] = frozenset()
    heart_rate_sources: frozenset[SourceKind] = frozenset()


class _Calendar:
    """Local midnights (epoch seconds) of the patient's zone over a range of days."""

    def __init__(self, tz: ZoneInfo, first: float, last: float) -> None:
        day = datetime.fromtimestamp(first, tz).date()
        end = datetime.fromtimestamp(last, tz).date() + timedelta(days=1)
        self.days: list[date] = []
        self.midnights: list[float] = []
        while day <= end:
            self.days.append(day)
            self.midnights.append(datetime.combine(day, time(), tzinfo=tz).timestamp())
            day += timedelta(days=1)

    def index(self, instant: float) -> int:
        return bisect_right(self.midnights, instant) - 1

    def split(self, start: float, end: float) -> list[tuple[int, float]]:
        """(day index, seconds) of [start, end) on each local day it touches."""
        i = self.index(start)
        out = []
        while start < end:
            boundary = self.midnights[i + 1]
            stop = min(end, boundary)
            out.append((i, stop - start))
            start, i = stop, i + 1
        return out


class DailyAggregator:
    """Collects samples one at a time, then computes the daily summaries."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._cumulative: dict[Metric, dict[_Tier, Spill]] = {m: {} for m in CUMULATIVE}
        self._kinds: dict[_Tier, SourceKind] = {}
        self._asleep: array[float] = array("d")
        self._in_bed: array[float] = array("d")
        self._resting: dict[date, list[tuple[int, float]]] = defaultdict(list)
        self._hr: Counter[date] = Counter()
        self._hr_kinds: dict[date, set[SourceKind]] = defaultdict(set)
        self._first = float("inf")
        self._last = float("-inf")
        self._spent = False

    def add(self, sample: Sample) -> None:
        if self._spent:
            raise RuntimeError("this aggregator has produced its summaries; start a new one")
        start, end = sample.start.timestamp(), sample.end.timestamp()
        self._first = min(self._first, start)
        self._last = max(self._last, end)
        metric = sample.metric
        if metric in self._cumulative:
            tier = (sample.source_kind.rank, sample.source_name)
            self._kinds[tier] = sample.source_kind
            spill = self._cumulative[metric].get(tier)
            if spill is None:
                spill = self._cumulative[metric][tier] = Spill()
            spill.extend((start, end, sample.value))
        elif metric is _SLEEP and sample.sleep_stage is not None:
            if sample.sleep_stage.asleep:
                self._asleep.extend((start, end))
            elif sample.sleep_stage is _IN_BED:
                self._in_bed.extend((start, end))
        elif metric is _HR:
            day = sample.start.astimezone(self.tz).date()
            self._hr[day] += 1
            self._hr_kinds[day].add(sample.source_kind)
        elif metric is _RESTING:
            day = sample.start.astimezone(self.tz).date()
            self._resting[day].append((sample.source_kind.rank, sample.value))

    def add_all(self, samples: Iterable[Sample]) -> DailyAggregator:
        for sample in samples:
            self.add(sample)
        return self

    def summaries(self) -> list[DailySummary]:
        """Every local day from the first to the last with any sample, in order.

        Call once: it consumes the kept samples (and removes their temporary files).
        """
        if self._spent:
            raise RuntimeError("summaries() was already called on this aggregator")
        self._spent = True
        if self._first == float("inf"):
            return []
        cal = _Calendar(self.tz, self._first, self._last)
        step_kinds: dict[int, set[SourceKind]] = defaultdict(set)
        totals = {m: self._deduplicated(m, cal, step_kinds) for m in CUMULATIVE}
        sleep = _episodes(self._asleep, cal)
        in_bed = _episodes(self._in_bed, cal)
        first = cal.index(self._first)
        last = cal.index(max(self._first, self._last - 1e-6))
        out = []
        for i in range(first, last + 1):
            day = cal.days[i]
            resting = self._resting.get(day)
            best = min(rank for rank, _ in resting) if resting else None
            out.append(
                DailySummary(
                    day=day,
                    steps=totals[Metric.steps].get(i),
                    active_minutes=totals[Metric.active_minutes].get(i),
                    active_energy_kcal=totals[Metric.active_energy].get(i),
                    distance_m=totals[Metric.distance].get(i),
                    sleep_minutes=sleep.get(i),
                    in_bed_minutes=in_bed.get(i),
                    resting_heart_rate=(
                        min(v for rank, v in resting if rank == best) if resting else None
                    ),
                    heart_rate_samples=self._hr.get(day, 0),
                    step_sources=frozenset(step_kinds.get(i, ())),
                    heart_rate_sources=frozenset(self._hr_kinds.get(day, ())),
                )
            )
        return out

    def _deduplicated(
        self, metric: Metric, cal: _Calendar, kinds: dict[int, set[SourceKind]]
    ) -> dict[int, float]:
        """Counted value per day index; fills `kinds` (source kinds per day) for steps."""
        per_day: dict[int, float] = defaultdict(float)
        covered = Union()
        for tier in sorted(self._cumulative[metric]):
            kind = self._kinds[tier]
            spill = self._cumulative[metric][tier]
            mine = Union()
            for flat in spill.chunks():
                for k in range(0, len(flat), 3):
                    start, end, value = flat[k], flat[k + 1], flat[k + 2]
                    first = cal.index(start)
                    if metric is Metric.steps:
                        kinds[first].add(kind)
                        kinds[cal.index(max(start, end - 1e-6))].add(kind)
                    per_day.setdefault(first, 0.0)
                    if end <= start:
                        if not covered.covers(start):
                            per_day[first] += value
                        continue
                    mine.add(start, end)
                    length = end - start
                    for lo, hi in covered.free(start, end):
                        for day, seconds in cal.split(lo, hi):
                            per_day[day] += value * seconds / length
            spill.close()
            covered.add_all(mine.runs())
        self._cumulative[metric] = {}
        return dict(per_day)


def _episodes(flat: array[float], cal: _Calendar) -> dict[int, float]:
    """Minutes of unioned intervals, grouped into episodes, by the local day each one ends."""
    runs = merge((flat[k], flat[k + 1]) for k in range(0, len(flat), 2))
    minutes: dict[int, float] = defaultdict(float)
    episode: list[tuple[float, float]] = []
    for run in [*runs, (float("inf"), float("inf"))]:
        if episode and run[0] - episode[-1][1] >= EPISODE_GAP:
            day = cal.index(episode[-1][1] - 1e-6)
            minutes[day] += sum(e - s for s, e in episode) / 60
            episode = []
        episode.append(run)
    return dict(minutes)


def daily_summaries(samples: Iterable[Sample], tz: ZoneInfo) -> list[DailySummary]:
    """Daily summaries of a stream of samples in the patient's time zone (see module rules)."""
    return DailyAggregator(tz).add_all(samples).summaries()
