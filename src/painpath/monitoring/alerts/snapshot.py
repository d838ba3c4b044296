"""What the alert rules read: a plain snapshot of one patient's recent data.

Days are the patient's local calendar days (the services layer aggregates in the patient's IANA
zone); `last_data_at` is an aware instant, turned into a local day with `time_zone`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from painpath.kit.clock import as_utc, time_zone
from painpath.monitoring.adherence import Fill, PdcResult

PHQ9_ITEM9_FLAG = "phq9_item9_positive"


class SnapshotInput(StrEnum):
    """A part of the snapshot, read from its own data: a rule names the parts it reads, so an
    evaluation after new data can build only those parts and run only those rules."""

    pain = "pain"  # `pain` and `pain_baseline`
    questionnaires = "questionnaires"
    steps = "steps"
    adherence = "adherence"
    prn = "prn"
    opioid_fills = "opioid_fills"
    last_data = "last_data"  # `last_data_at` and `monitoring_start`


#: Every part: a full evaluation (the daily sweep) builds them all.
ALL_INPUTS = frozenset(SnapshotInput)


@dataclass(frozen=True, slots=True)
class DailyValue:
    """One day's value: NRS pain 0-10, or steps."""

    day: date
    value: float


@dataclass(frozen=True, slots=True)
class QuestionnaireResult:
    instrument: str
    day: date
    score: float | None = None
    flags: tuple[str, ...] = ()
    response_id: str | None = None


@dataclass(frozen=True, slots=True)
class PrnUse:
    """As-needed doses logged per day of one drug, against the prescribed maximum per day."""

    drug: str
    max_per_day: int
    doses_per_day: Mapping[date, int]


def _daily(values: tuple[DailyValue, ...]) -> Mapping[date, float]:
    per_day: dict[date, list[float]] = defaultdict(list)
    for entry in values:
        per_day[entry.day].append(entry.value)
    return MappingProxyType({d: sum(v) / len(v) for d, v in sorted(per_day.items())})


@dataclass(frozen=True, slots=True)
class PatientSnapshot:
    patient_id: str
    time_zone: str = "UTC"
    pain: tuple[DailyValue, ...] = ()
    pain_baseline: float | None = None  # a clinician-given baseline replaces the first week
    questionnaires: tuple[QuestionnaireResult, ...] = ()
    steps: tuple[DailyValue, ...] = ()
    adherence: Mapping[str, PdcResult] = field(default_factory=lambda: MappingProxyType({}))
    prn: tuple[PrnUse, ...] = ()
    opioid_fills: tuple[Fill, ...] = ()
    last_data_at: datetime | None = None
    monitoring_start: date | None = None

    def daily_pain(self) -> Mapping[date, float]:
        """Pain per day (several entries on one day: their mean)."""
        return _daily(self.pain)

    def daily_steps(self) -> Mapping[date, float]:
        return _daily(self.steps)

    def last_data_day(self) -> date | None:
        if self.last_data_at is None:
            return None
        return as_utc(self.last_data_at).astimezone(time_zone(self.time_zone)).date()
