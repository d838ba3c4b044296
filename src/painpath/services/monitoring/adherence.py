"""A patient's medication adherence over a window of local days, each figure with the engine's
evidence: PDC (PQA) and MPR per drug and PDC per drug class from pharmacy fills, early refills,
scheduled doses against dose logs, and as-needed days above the prescribed maximum.

Dose logs answer the nominal schedule (services.monitoring.regimen) day by day: the k-th log of
a local day answers that day's k-th scheduled dose; logs beyond the day's doses are counted as
`extra_logs`. On time means within ±2 hours of the nominal time, which is only a guide because
a prescription carries no clock times.

A prescription whose stored timing is outside the plausible range (painpath.monitoring.dosing:
more than 24 doses a day, fewer than one a year) is not expanded: it is listed under
`unevaluable` with the reason, and the rest of the report is computed as usual.

Early refills compare each refill in the window with the fill before it (which may predate the
window): opioids against the patient's `opioid_early_refill` threshold (default 85 %), other
drugs against 75 %, the usual refill-too-soon edit for non-controlled medicines.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.kit.clock import time_zone
from painpath.models.medication import MedicationAdministration, MedicationRequest
from painpath.models.medication_fill import MedicationFill
from painpath.monitoring.adherence import (
    DoseLog,
    ScheduledDose,
    dose_adherence,
    early_refills,
    mpr,
    pdc,
    prn_overuse,
)
from painpath.monitoring.alerts import thresholds_for
from painpath.monitoring.dosing import TimingError
from painpath.schemas.monitoring_adherence import AdherenceRead
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput
from painpath.services.monitoring.evaluation import OPIOID, as_fill, local_today, stored_fills
from painpath.services.monitoring.regimen import (
    COUNTED_STATUSES,
    describe,
    doses_per_day,
    schedule_of,
    scheduled_times,
)
from painpath.services.monitoring.series import local_day, local_start, prn_uses
from painpath.services.monitoring.thresholds import settings_for

MAX_WINDOW_DAYS = 731
NON_CONTROLLED_REFILL_SHARE = 0.75
ON_TIME = timedelta(hours=2)
#: How far before the window a fill may be to count as the one a refill in it follows.
PREVIOUS_FILL_DAYS = 366


def _window(access: PatientAccess, start: date | None, end: date | None) -> tuple[date, date]:
    end = end or local_today(access.patient)
    start = start or date(end.year, 1, 1)
    if start > end:
        raise InvalidInput(f"start {start} is after end {end}", field="start")
    if (end - start).days + 1 > MAX_WINDOW_DAYS:
        raise InvalidInput(f"the window may span at most {MAX_WINDOW_DAYS} days", field="start")
    return start, end


def _medicines(
    fills: list[MedicationFill], start: date, end: date, opioid_share: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_drug: dict[str, list[MedicationFill]] = defaultdict(list)
    by_class: dict[str, list[MedicationFill]] = defaultdict(list)
    for row in fills:
        by_drug[row.drug].append(row)
        if start <= row.fill_date <= end:
            by_class[row.drug_class].append(row)
    medicines = []
    for drug, rows in sorted(by_drug.items()):
        inside = [as_fill(r) for r in rows if start <= r.fill_date <= end]
        if not inside:
            continue  # only fills before the window: they serve as a refill's previous fill
        share = opioid_share if rows[0].drug_class == OPIOID else NON_CONTROLLED_REFILL_SHARE
        early = [
            e.as_json()
            for e in early_refills([as_fill(r) for r in rows], threshold=share)
            if start <= e.refill <= end
        ]
        medicines.append(
            {
                "drug": drug,
                "drug_class": rows[0].drug_class,
                "rxnorm_codes": sorted({r.rxnorm_code for r in rows}),
                "fills": [
                    {"id": r.id, **as_fill(r).as_json()}
                    for r in rows
                    if start <= r.fill_date <= end
                ],
                "pdc": pdc(inside, start, end).as_json(),
                "mpr": mpr(inside, start, end).as_json(),
                "early_refill_threshold": share,
                "early_refills": early,
            }
        )
    classes = [
        {"drug_class": name, "pdc": pdc([as_fill(r) for r in rows], start, end).as_json()}
        for name, rows in sorted(by_class.items())
    ]
    return medicines, classes


def _answered(
    due: list[datetime], logs: list[MedicationAdministration], zone: ZoneInfo, drug: str
) -> tuple[list[DoseLog], int]:
    """Each local day's logs, in time order, answer that day's doses in time order."""
    slots: dict[date, list[datetime]] = defaultdict(list)
    for moment in due:
        slots[moment.date()].append(moment)
    answers, extra = [], 0
    per_day: dict[date, list[MedicationAdministration]] = defaultdict(list)
    for log in sorted(logs, key=lambda row: row.effective_at):
        per_day[local_day(log.effective_at, zone)].append(log)
    for day, day_logs in per_day.items():
        day_slots = sorted(slots.get(day, []))
        extra += max(0, len(day_logs) - len(day_slots))
        for slot, log in zip(day_slots, day_logs, strict=False):
            answers.append(
                DoseLog(drug, slot, log.effective_at.astimezone(zone), log.status == "completed")
            )
    return answers, extra


def _unevaluable(order: MedicationRequest, error: TimingError) -> dict[str, Any]:
    return {
        "medication_request_id": order.id,
        "display": order.display,
        "as_needed": order.as_needed,
        "reason": f"the stored timing cannot be evaluated: {error}",
    }


def _timing_problems(
    session: Session, access: PatientAccess, start: date, end: date
) -> list[dict[str, Any]]:
    """Counted prescriptions overlapping the window whose stored timing is implausible."""
    orders = session.scalars(
        select(MedicationRequest)
        .where(
            MedicationRequest.patient_id == access.patient_id,
            MedicationRequest.start_date <= end,
        )
        .order_by(MedicationRequest.id)
    )
    found = []
    for order in orders:
        if order.status not in COUNTED_STATUSES or (order.end_date and order.end_date < start):
            continue
        try:
            doses_per_day(order)
        except TimingError as error:
            found.append(_unevaluable(order, error))
    return found


def _dose_logs(
    session: Session, access: PatientAccess, start: date, end: date, zone: ZoneInfo
) -> list[dict[str, Any]]:
    last = min(end, local_today(access.patient))
    orders = session.scalars(
        select(MedicationRequest)
        .where(
            MedicationRequest.patient_id == access.patient_id,
            MedicationRequest.as_needed.is_(False),
            MedicationRequest.start_date <= last,
        )
        .order_by(MedicationRequest.id)
    )
    found = []
    for order in orders:
        if order.status not in COUNTED_STATUSES or (order.end_date and order.end_date < start):
            continue
        drug = str(order.id)
        try:
            due = scheduled_times(order, start, last, zone)
        except TimingError:
            continue  # listed under `unevaluable`
        logs = list(
            session.scalars(
                select(MedicationAdministration).where(
                    MedicationAdministration.patient_id == access.patient_id,
                    MedicationAdministration.medication_request_id == order.id,
                    MedicationAdministration.as_needed.is_(False),
                    MedicationAdministration.effective_at >= local_start(start, zone),
                    MedicationAdministration.effective_at < local_start(last + timedelta(1), zone),
                )
            )
        )
        answers, extra = _answered(due, logs, zone, drug)
        plan = schedule_of(order)
        result = dose_adherence([ScheduledDose(drug, at) for at in due], answers, ON_TIME)
        found.append(
            {
                "medication_request_id": order.id,
                "display": order.display,
                "timing": describe(order),
                "nominal_times": [at.strftime("%H:%M") for at in plan.times],
                "every_days": plan.every_days,
                "logs": len(logs),
                "extra_logs": extra,
                **result.as_json(),
            }
        )
    return found


def _prn(
    session: Session, access: PatientAccess, start: date, end: date, zone: ZoneInfo
) -> list[dict[str, Any]]:
    found = []
    for use in prn_uses(session, access.patient, zone, start, opioids_only=False):
        days = {d: n for d, n in use.doses_per_day.items() if start <= d <= end}
        over = prn_overuse(use.max_per_day, days)
        found.append(
            {
                "drug": use.drug,
                "doses_per_day": {d.isoformat(): n for d, n in sorted(days.items())},
                **over.as_json(),
            }
        )
    return found


def adherence_report(
    session: Session, *, access: PatientAccess, start: date | None, end: date | None
) -> AdherenceRead:
    """Adherence over `start`..`end` (default: 1 January of `end`'s year to today)."""
    first, last = _window(access, start, end)
    zone = time_zone(access.patient.time_zone)
    settings = settings_for(session, access.patient_id)
    share = thresholds_for("opioid_early_refill", settings.overrides)["share_elapsed"]
    fills = stored_fills(session, access.patient_id, first - timedelta(PREVIOUS_FILL_DAYS), last)
    medicines, classes = _medicines(fills, first, last, share)
    return AdherenceRead(
        start=first,
        end=last,
        time_zone=access.patient.time_zone,
        medicines=medicines,
        drug_classes=classes,
        dose_logs=_dose_logs(session, access, first, last, zone),
        prn=_prn(session, access, first, last, zone),
        unevaluable=_timing_problems(session, access, first, last),
    )
