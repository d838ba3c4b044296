"""Medication adherence, pure: PDC and MPR from pharmacy fills (PQA method), dose-taking adherence
from app logs, PRN use above the prescribed maximum and early refills.

PDC follows the Pharmacy Quality Alliance (PQA) measure specification as its public test claims
show it: the treatment period runs from the index (first) fill in the period to the period's end;
a patient needs fills on at least two different dates to enter the measure's denominator; a fill of
the same drug that overlaps the previous one starts the day after that supply runs out; supply past
the period end is cut off; with several drugs of one class a day counts as covered if any drug
covers it. See docs/alerts.md ("Adherence") for the worked examples the tests use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

#: The longest period PDC, MPR and the gaps are computed over (ten years): each walks its days.
MAX_PERIOD_DAYS = 3660
#: PQA (and CMS Part D Star) adherence threshold.
PDC_ADHERENT = 0.8
#: Share of the previous supply that must have elapsed before a refill is on time. CDC's Public
#: Health Law Program (Prescription Drug Time and Dosage Limit Laws, 2015) describes Medicaid
#: programs that refuse a controlled-substance refill until 85 % has elapsed; 75 % is the common
#: refill-too-soon edit for non-controlled drugs. painpath uses it for opioids, so 85 %.
EARLY_REFILL_SHARE = 0.85

__all__ = [
    "EARLY_REFILL_SHARE",
    "MAX_PERIOD_DAYS",
    "PDC_ADHERENT",
    "DoseAdherence",
    "DoseLog",
    "EarlyRefill",
    "Fill",
    "MprResult",
    "PdcResult",
    "PrnOveruse",
    "PrnOveruseDay",
    "ScheduledDose",
    "dose_adherence",
    "early_refills",
    "mpr",
    "pdc",
    "prn_overuse",
]


@dataclass(frozen=True, slots=True)
class Fill:
    """One pharmacy dispensing: which drug (an ingredient or RxNorm id), when, for how many days."""

    drug: str
    fill_date: date
    days_supply: int
    quantity: float | None = None

    def __post_init__(self) -> None:
        if self.days_supply < 1:
            raise ValueError(f"days_supply must be at least 1, not {self.days_supply}")

    def as_json(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "fill_date": self.fill_date.isoformat(),
            "days_supply": self.days_supply,
            "quantity": self.quantity,
        }


@dataclass(frozen=True, slots=True)
class PdcResult:
    """Proportion of days covered. `value` is None when the patient is not eligible."""

    eligible: bool
    reason: str
    value: float | None
    covered_days: int
    treatment_days: int
    index_date: date | None
    period_end: date
    threshold: float
    drugs: tuple[str, ...]
    gaps: tuple[tuple[date, date], ...]  # uncovered runs inside the treatment period

    @property
    def adherent(self) -> bool | None:
        return None if self.value is None else self.value >= self.threshold

    def as_json(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "reason": self.reason,
            "pdc": None if self.value is None else round(self.value, 4),
            "adherent": self.adherent,
            "threshold": self.threshold,
            "covered_days": self.covered_days,
            "treatment_days": self.treatment_days,
            "index_date": None if self.index_date is None else self.index_date.isoformat(),
            "period_end": self.period_end.isoformat(),
            "drugs": list(self.drugs),
            "gaps": [[a.isoformat(), b.isoformat()] for a, b in self.gaps],
        }


@dataclass(frozen=True, slots=True)
class MprResult:
    """Medication possession ratio: `raw` may exceed 1; `capped` is what reports show."""

    raw: float
    days_supply: int
    period_days: int

    @property
    def capped(self) -> float:
        return min(self.raw, 1.0)

    def as_json(self) -> dict[str, Any]:
        return {
            "mpr": round(self.capped, 4),
            "mpr_raw": round(self.raw, 4),
            "days_supply": self.days_supply,
            "period_days": self.period_days,
        }


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValueError(f"period end {end} is before its start {start}")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValueError(f"a period may span at most {MAX_PERIOD_DAYS} days")


def _days(first: date, last: date) -> Iterable[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def covered_days(fills: Iterable[Fill], end: date) -> set[date]:
    """Days up to `end` covered by `fills`, same-drug overlaps shifted forward (PQA)."""
    by_drug: dict[str, list[Fill]] = defaultdict(list)
    for fill in fills:
        by_drug[fill.drug].append(fill)
    covered: set[date] = set()
    for drug_fills in by_drug.values():
        next_free: date | None = None
        for fill in sorted(drug_fills, key=lambda f: f.fill_date):
            first = fill.fill_date if next_free is None else max(fill.fill_date, next_free)
            if first > end:
                break  # later fills of the drug start later still
            # Supply past `end` is cut off, so a stored days_supply of any size stays bounded.
            supply = min(fill.days_supply, (end - first).days + 1)
            last = first + timedelta(days=supply - 1)
            next_free = last + timedelta(days=1)
            covered.update(_days(first, last))
    return covered


def _gaps(covered: set[date], first: date, last: date) -> tuple[tuple[date, date], ...]:
    gaps: list[tuple[date, date]] = []
    run_start: date | None = None
    for day in _days(first, last):
        if day not in covered and run_start is None:
            run_start = day
        elif day in covered and run_start is not None:
            gaps.append((run_start, day - timedelta(days=1)))
            run_start = None
    if run_start is not None:
        gaps.append((run_start, last))
    return tuple(gaps)


def pdc(
    fills: Iterable[Fill], start: date, end: date, *, threshold: float = PDC_ADHERENT
) -> PdcResult:
    """PDC over `start`..`end` (inclusive) for the fills of one drug class (PQA method).

    Fills dated outside the period are ignored; fewer than two fill dates make the patient
    not eligible, reported with `value` None rather than a misleading 0 or 1.
    """
    _check_period(start, end)
    in_period = [f for f in fills if start <= f.fill_date <= end]
    drugs = tuple(sorted({f.drug for f in in_period}))
    fill_dates = {f.fill_date for f in in_period}
    if len(fill_dates) < 2:
        return PdcResult(
            eligible=False,
            reason=f"not eligible: PQA needs fills on at least 2 different dates, found "
            f"{len(fill_dates)}",
            value=None,
            covered_days=0,
            treatment_days=0,
            index_date=min(fill_dates, default=None),
            period_end=end,
            threshold=threshold,
            drugs=drugs,
            gaps=(),
        )
    index_date = min(fill_dates)
    covered = covered_days(in_period, end)
    treatment_days = (end - index_date).days + 1
    value = len(covered) / treatment_days
    return PdcResult(
        eligible=True,
        reason=f"{len(covered)} of {treatment_days} days covered from the index fill "
        f"{index_date.isoformat()} to {end.isoformat()}",
        value=value,
        covered_days=len(covered),
        treatment_days=treatment_days,
        index_date=index_date,
        period_end=end,
        threshold=threshold,
        drugs=drugs,
        gaps=_gaps(covered, index_date, end),
    )


def mpr(fills: Iterable[Fill], start: date, end: date) -> MprResult:
    """Days' supply dispensed in `start`..`end` over the days in that period.

    Overlaps count twice and supply running past the end counts in full (that is what makes MPR
    overstate adherence next to PDC); `capped` limits the reported value to 1.
    """
    _check_period(start, end)
    supply = sum(f.days_supply for f in fills if start <= f.fill_date <= end)
    period_days = (end - start).days + 1
    return MprResult(raw=supply / period_days, days_supply=supply, period_days=period_days)


@dataclass(frozen=True, slots=True)
class ScheduledDose:
    """A dose the regimen expects, at a local wall-clock time."""

    drug: str
    due: datetime


@dataclass(frozen=True, slots=True)
class DoseLog:
    """What the patient logged for a scheduled dose (`taken` False: logged as skipped)."""

    drug: str
    scheduled_for: datetime
    logged_at: datetime
    taken: bool = True


@dataclass(frozen=True, slots=True)
class DoseAdherence:
    scheduled: int
    taken: int
    taken_on_time: int
    days: int
    days_all_taken: int
    window: timedelta

    @property
    def taken_share(self) -> float | None:
        return None if self.scheduled == 0 else self.taken / self.scheduled

    @property
    def on_time_share(self) -> float | None:
        return None if self.scheduled == 0 else self.taken_on_time / self.scheduled

    @property
    def daily_coverage(self) -> float | None:
        return None if self.days == 0 else self.days_all_taken / self.days

    def as_json(self) -> dict[str, Any]:
        def share(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "scheduled": self.scheduled,
            "taken": self.taken,
            "taken_on_time": self.taken_on_time,
            "taken_share": share(self.taken_share),
            "on_time_share": share(self.on_time_share),
            "days": self.days,
            "days_all_taken": self.days_all_taken,
            "daily_coverage": share(self.daily_coverage),
            "window_minutes": int(self.window.total_seconds() // 60),
        }


def dose_adherence(
    scheduled_doses: Iterable[ScheduledDose], logged_doses: Iterable[DoseLog], window: timedelta
) -> DoseAdherence:
    """Taken / scheduled, taken within ±`window` of the due time, and days with every dose taken.

    A log answers the scheduled dose with the same drug and due time; a second log for the same
    dose counts once (the earliest "taken" wins). Logs for doses not on the schedule are ignored.
    """
    if window < timedelta(0):
        raise ValueError("window must not be negative")
    taken_at: dict[tuple[str, datetime], datetime] = {}
    for log in logged_doses:
        key = (log.drug, log.scheduled_for)
        if log.taken and (key not in taken_at or log.logged_at < taken_at[key]):
            taken_at[key] = log.logged_at
    doses = {(d.drug, d.due) for d in scheduled_doses}
    per_day: dict[date, list[bool]] = defaultdict(list)
    on_time = 0
    for drug, due in doses:
        moment = taken_at.get((drug, due))
        per_day[due.date()].append(moment is not None)
        if moment is not None and abs(moment - due) <= window:
            on_time += 1
    return DoseAdherence(
        scheduled=len(doses),
        taken=sum(sum(day) for day in per_day.values()),
        taken_on_time=on_time,
        days=len(per_day),
        days_all_taken=sum(all(day) for day in per_day.values()),
        window=window,
    )


@dataclass(frozen=True, slots=True)
class PrnOveruseDay:
    day: date
    doses: int
    max_per_day: int

    def as_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "doses": self.doses, "max_per_day": self.max_per_day}


@dataclass(frozen=True, slots=True)
class PrnOveruse:
    max_per_day: int
    days_over: tuple[PrnOveruseDay, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "max_per_day": self.max_per_day,
            "days_over": [d.as_json() for d in self.days_over],
        }


def prn_overuse(prescription_max_per_day: int, doses_per_day: Mapping[date, int]) -> PrnOveruse:
    """The days on which more as-needed doses were logged than the prescription allows."""
    if prescription_max_per_day < 0:
        raise ValueError("the prescribed maximum per day must not be negative")
    over = tuple(
        PrnOveruseDay(day, doses, prescription_max_per_day)
        for day, doses in sorted(doses_per_day.items())
        if doses > prescription_max_per_day
    )
    return PrnOveruse(prescription_max_per_day, over)


@dataclass(frozen=True, slots=True)
class EarlyRefill:
    """A refill dispensed before `threshold` of the previous fill's supply had elapsed."""

    drug: str
    previous_fill: date
    refill: date
    days_elapsed: int
    previous_days_supply: int
    threshold: float

    @property
    def share_elapsed(self) -> float:
        return self.days_elapsed / self.previous_days_supply

    def as_json(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "previous_fill": self.previous_fill.isoformat(),
            "refill": self.refill.isoformat(),
            "days_elapsed": self.days_elapsed,
            "previous_days_supply": self.previous_days_supply,
            "share_elapsed": round(self.share_elapsed, 4),
            "threshold": self.threshold,
        }


def early_refills(
    fills: Iterable[Fill], *, threshold: float = EARLY_REFILL_SHARE
) -> tuple[EarlyRefill, ...]:
    """Refills of the same drug dispensed before `threshold` × the previous days' supply elapsed.

    Each refill is compared with the fill just before it (no carried-over stockpile), so the
    flag says "this fill came early", which is what a clinician checks against the PDMP.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    by_drug: dict[str, list[Fill]] = defaultdict(list)
    for fill in fills:
        by_drug[fill.drug].append(fill)
    found: list[EarlyRefill] = []
    for drug, drug_fills in sorted(by_drug.items()):
        ordered = sorted(drug_fills, key=lambda f: f.fill_date)
        for previous, refill in pairwise(ordered):
            elapsed = (refill.fill_date - previous.fill_date).days
            if elapsed < threshold * previous.days_supply:
                found.append(
                    EarlyRefill(
                        drug,
                        previous.fill_date,
                        refill.fill_date,
                        elapsed,
                        previous.days_supply,
                        threshold,
                    )
                )
    return tuple(found)
