"""The pain summary's chart data: daily series on the patient's own calendar, each with a
one-sentence text alternative. The page draws them with ECharts and shows the same numbers as
tables; the JSON route returns exactly what `chart_data` builds.

Sources: pain per day is the monitoring engine's daily pain (diary, NRS observations, the NRS
and the PEG's pain item; the day's mean), PEG totals are the stored PEG scores, steps and sleep
the wearable daily aggregates, PDC the adherence report (PQA), PRN use the logged as-needed
doses, and MME per day the opioid engine run on the prescriptions taken that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from painpath.care.knowledge import knowledge
from painpath.models.care_plan import CarePlanActivity
from painpath.models.medication import MedicationRequest, MedicationRequestStatus
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.therapy_course import TherapyCourse
from painpath.opioids.mme import display
from painpath.services.access import PatientAccess
from painpath.services.monitoring import series
from painpath.services.monitoring.adherence import adherence_report
from painpath.services.pain_summary.opioid_view import TAKEN_STATUSES, RecordFacts, assessment
from painpath.services.wearables import views as wearable_views

DEFAULT_DAYS = 90
MIN_DAYS = 7
MAX_DAYS = 365
#: Enough bands for any real regimen; a longer list is cut and says so.
MAX_BANDS = 24
ONGOING = frozenset({MedicationRequestStatus.active, MedicationRequestStatus.on_hold})

Point = tuple[str, float]


@dataclass(frozen=True, slots=True)
class TherapyBand:
    """A therapy's start and stop, drawn as a shaded band behind the pain chart."""

    label: str
    kind: str  # "medication", "course" (a therapy course) or "care_plan" (a plan activity)
    start: date
    end: date  # the last day (inclusive); today for an ongoing therapy

    def as_json(self) -> dict[str, str]:
        return {
            "label": self.label,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def taken_until(row: MedicationRequest, today: date) -> date:
    """The last day a prescription was taken: its end date; today while it is active or on
    hold; else the end of its days' supply; else its start day."""
    if row.end_date is not None:
        return row.end_date
    if row.status in ONGOING:
        return max(today, row.start_date)
    if row.days_supply:
        return row.start_date + timedelta(days=row.days_supply - 1)
    return row.start_date


def prescriptions(session: Session, patient_id: int) -> list[MedicationRequest]:
    """Every prescription the patient ever took (drafts, cancellations and errors left out)."""
    return list(
        session.scalars(
            select(MedicationRequest)
            .where(
                MedicationRequest.patient_id == patient_id,
                MedicationRequest.status.in_(TAKEN_STATUSES),
            )
            .order_by(MedicationRequest.start_date, MedicationRequest.id)
        )
    )


def therapy_bands(
    session: Session,
    access: PatientAccess,
    start: date,
    end: date,
    *,
    taken: Sequence[MedicationRequest] | None = None,
) -> tuple[list[TherapyBand], bool]:
    """Therapy start/stop bands overlapping start..end, and whether the list was cut: one per
    prescription (start to its stop, `taken_until`), per therapy course that started (kind
    "course": started or trial start to its end) and per care-plan activity that started (kind
    "care_plan": start to stop); an open one runs to `end`."""
    rows = prescriptions(session, access.patient_id) if taken is None else taken
    bands = [
        TherapyBand(
            label=row.display[:80],
            kind="medication",
            start=max(row.start_date, start),
            end=min(taken_until(row, end), end),
        )
        for row in rows
        if row.start_date <= end and taken_until(row, end) >= start
    ]
    for label, kind, began, stopped in _course_and_plan_periods(session, access.patient_id):
        last = min(stopped or end, end)
        if began <= end and last >= start and last >= began:
            bands.append(TherapyBand(label[:80], kind, max(began, start), last))
    return bands[:MAX_BANDS], len(bands) > MAX_BANDS


def _course_and_plan_periods(
    session: Session, patient_id: int
) -> list[tuple[str, str, date, date | None]]:
    """(label, kind, first day, last day or None while ongoing) of the patient's therapy
    courses and care-plan activities that have started, oldest first, at most MAX_BANDS each."""
    periods: list[tuple[str, str, date, date | None]] = []
    courses = session.execute(
        select(
            TherapyCourse.therapy,
            func.coalesce(TherapyCourse.trial_started_on, TherapyCourse.started_on),
            TherapyCourse.ended_on,
        )
        .where(
            TherapyCourse.patient_id == patient_id,
            or_(TherapyCourse.started_on.is_not(None), TherapyCourse.trial_started_on.is_not(None)),
        )
        .order_by(TherapyCourse.id)
        .limit(MAX_BANDS)
    )
    for therapy, began, stopped in courses:
        if began is not None:
            periods.append((_therapy_name(therapy), "course", began, stopped))
    activities = session.execute(
        select(CarePlanActivity.title, CarePlanActivity.start_date, CarePlanActivity.stop_date)
        .where(CarePlanActivity.patient_id == patient_id, CarePlanActivity.start_date.is_not(None))
        .order_by(CarePlanActivity.id)
        .limit(MAX_BANDS)
    )
    for title, first_day, last_day in activities:
        if first_day is not None:
            periods.append((title, "care_plan", first_day, last_day))
    return periods


def _therapy_name(therapy: str) -> str:
    known = knowledge().therapies.get(therapy)
    return known.name if known is not None else therapy


def _points(values: dict[date, float]) -> list[Point]:
    return [(day.isoformat(), round(value, 2)) for day, value in sorted(values.items())]


def daily_pain(
    session: Session, access: PatientAccess, zone: ZoneInfo, start: date, end: date
) -> dict[date, float]:
    by_day: dict[date, list[float]] = defaultdict(list)
    for value in series.pain_values(session, access.patient, zone):
        if start <= value.day <= end:
            by_day[value.day].append(value.value)
    return {day: fmean(values) for day, values in by_day.items()}


def peg_totals(
    session: Session, access: PatientAccess, zone: ZoneInfo, start: date, end: date
) -> dict[date, float]:
    rows = session.execute(
        select(QuestionnaireResponse.authored_at, QuestionnaireResponse.total_score)
        .where(
            QuestionnaireResponse.patient_id == access.patient_id,
            QuestionnaireResponse.questionnaire == "peg",
            QuestionnaireResponse.status == "completed",
            QuestionnaireResponse.total_score.is_not(None),
            QuestionnaireResponse.authored_at >= series.local_start(start, zone),
            QuestionnaireResponse.authored_at < series.local_start(end + timedelta(days=1), zone),
        )
        .order_by(QuestionnaireResponse.authored_at)
    )
    found: dict[date, float] = {}
    for authored_at, total in rows:
        if total is not None:
            found[series.local_day(authored_at, zone)] = float(total)  # the day's last
    return found


def mme_by_day(
    facts: RecordFacts, taken: Sequence[MedicationRequest], start: date, end: date
) -> tuple[dict[date, float], list[str]]:
    """Total MME/day on each day of start..end from the opioid engine (CDC 2022 factors), and
    the days whose total is a lower bound (a dose the engine could not count)."""
    cache: dict[tuple[int, ...], tuple[float | None, bool]] = {}
    totals: dict[date, float] = {}
    partial: list[str] = []
    day = start
    while day <= end:
        on = [row for row in taken if row.start_date <= day <= taken_until(row, end)]
        key = tuple(row.id for row in on)
        if key not in cache:
            result, _ = assessment(facts, on, day)
            cache[key] = (display(result.mme.total), result.mme.is_complete)
        total, complete = cache[key]
        totals[day] = float(total or 0)
        if not complete:
            partial.append(day.isoformat())
        day += timedelta(days=1)
    return totals, partial


def _describe(name: str, points: Sequence[Point], unit: str) -> str:
    if not points:
        return f"No {name} recorded in this period."
    values = [value for _, value in points]
    return (
        f"{name.capitalize()}: {len(points)} day{'s' if len(points) != 1 else ''} with data, "
        f"latest {values[-1]:g}{unit} on {points[-1][0]}, average {fmean(values):.1f}{unit}, "
        f"range {min(values):g} to {max(values):g}{unit}."
    )


def _prn(
    access: PatientAccess, session: Session, zone: ZoneInfo, start: date, end: date
) -> list[dict[str, Any]]:
    uses = series.prn_uses(session, access.patient, zone, start, opioids_only=False)
    return [
        {
            "drug": use.drug,
            "max_per_day": use.max_per_day,
            "doses": [
                (day.isoformat(), float(count))
                for day, count in sorted(use.doses_per_day.items())
                if start <= day <= end
            ],
        }
        for use in uses
    ]


def _pdc(session: Session, access: PatientAccess, start: date, end: date) -> list[dict[str, Any]]:
    report = adherence_report(session, access=access, start=start, end=end)
    return [
        {
            "drug": medicine["drug"],
            "pdc": medicine["pdc"]["pdc"],
            "eligible": medicine["pdc"]["eligible"],
        }
        for medicine in report.medicines
    ]


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def chart_data(
    session: Session,
    access: PatientAccess,
    *,
    facts: RecordFacts,
    zone: ZoneInfo,
    today: date,
    days: int,
) -> dict[str, Any]:
    """Every chart's data set for the `days` local days ending `today` (see the module doc)."""
    start = today - timedelta(days=days - 1)
    taken = prescriptions(session, access.patient_id)
    pain = _points(daily_pain(session, access, zone, start, today))
    peg = _points(peg_totals(session, access, zone, start, today))
    bands, bands_cut = therapy_bands(session, access, start, today, taken=taken)
    wearable = wearable_views.days(session, access.patient_id, start, today)
    steps = [(row.day.isoformat(), float(row.steps)) for row in wearable if row.steps is not None]
    sleep = [
        (row.day.isoformat(), round(row.sleep_minutes / 60, 2))
        for row in wearable
        if row.sleep_minutes is not None
    ]
    pdc = _pdc(session, access, start, today)
    prn = _prn(access, session, zone, start, today)
    mme, partial = mme_by_day(facts, taken, start, today)
    mme_points = _points(mme)
    prn_total = sum(count for use in prn for _, count in use["doses"])
    measured = [f"{row['drug']} {row['pdc'] * 100:.0f} %" for row in pdc if row["pdc"] is not None]
    peak = max((value for _, value in mme_points), default=0.0)
    return {
        "start": start.isoformat(),
        "end": today.isoformat(),
        "days": days,
        "time_zone": zone.key,
        "pain": {
            "pain": pain,
            "peg": peg,
            "bands": [band.as_json() for band in bands],
            "bands_truncated": bands_cut,
            "summary": _describe("pain (0-10)", pain, "")
            + " "
            + _describe("PEG score (0-10)", peg, "")
            + f" {len(bands)} therapy period{'s' if len(bands) != 1 else ''} shaded.",
        },
        "activity": {
            "steps": steps,
            "sleep_hours": sleep,
            "summary": _describe("steps per day", steps, "")
            + " "
            + _describe("sleep", sleep, " h"),
        },
        "adherence": {
            "pdc": pdc,
            "prn": prn,
            "summary": (
                (
                    "Proportion of days covered: " + ", ".join(measured) + "."
                    if measured
                    else "No fills recorded in this period, so no proportion of days covered."
                )
                + f" {prn_total:g} as-needed dose{'s' if prn_total != 1 else ''} logged."
            ),
        },
        "mme": {
            "mme": mme_points,
            "lower_bound_days": partial,
            "summary": (
                f"Opioid dose, MME per day (CDC 2022 factors): today {mme_points[-1][1]:g}, "
                f"highest {peak:g} in this period."
                + (
                    f" {len(partial)} day(s) are a lower bound (a dose could not be counted)."
                    if partial
                    else ""
                )
            ),
        },
        "calendar": {
            "pain": pain,
            "summary": _describe("daily pain for the calendar", pain, ""),
        },
    }
