"""The RPM/RTM billing ledger for one patient and 30-day period: the patient's local days with
data (sensed and self-reported), minutes logged by performer in the calendar month, and the
billing engine's decision (`painpath.monitoring.billing`) on them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.kit.clock import time_zone, utcnow
from painpath.models.medication import MedicationAdministration
from painpath.models.monitoring_time import ClinicianTimeEntry, MonitoringProgram
from painpath.models.observation import Observation
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.user import User
from painpath.monitoring.billing import Modality, Reading, TimedMinutes, period_ledger
from painpath.monitoring.billing.ledger import PERIOD_DAYS, calendar_month
from painpath.monitoring.billing.overlap import LoggedInterval, counted_minutes
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Performer:
    clinician_id: int | None
    name: str
    minutes: int
    interactive_minutes: int


@dataclass(frozen=True, slots=True)
class Ledger:
    program: MonitoringProgram
    period_start: date
    period_end: date
    month_start: date
    month_end: date
    sensed_days: list[date]
    self_reported_days: list[date]
    qualifying_days: list[date]
    minutes: int
    performers: list[Performer]
    interactive: bool
    first_period: bool
    billing: dict[str, Any]


def _utc_bounds(first: date, last: date, zone_name: str) -> tuple[datetime, datetime]:
    """The instants from the start of `first` to the end of `last`, local days in the zone."""
    zone = time_zone(zone_name)
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def _readings(
    session: Session, patient_id: int, zone_name: str, first: date, last: date
) -> list[Reading]:
    """Every data point of the patient on local days first..last, as (day, modality)."""
    zone = time_zone(zone_name)
    start, end = _utc_bounds(first, last, zone_name)
    readings: list[Reading] = []

    def day(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    observed = session.execute(
        select(Observation.effective_at, Observation.modality, Observation.loinc_code)
        .where(Observation.patient_id == patient_id)
        .where(Observation.effective_at >= start, Observation.effective_at < end)
    )
    for moment, modality, code in observed:
        sensed = modality == Modality.sensed.value
        kind = Modality.sensed if sensed else Modality.self_reported
        readings.append(Reading(day(moment), kind, f"observation:{code}"))
    for moment, stream in (
        *(
            (m, "questionnaire")
            for m in session.scalars(
                select(QuestionnaireResponse.authored_at).where(
                    QuestionnaireResponse.patient_id == patient_id,
                    QuestionnaireResponse.authored_at >= start,
                    QuestionnaireResponse.authored_at < end,
                )
            )
        ),
        *(
            (m, "dose_log")
            for m in session.scalars(
                select(MedicationAdministration.effective_at).where(
                    MedicationAdministration.patient_id == patient_id,
                    MedicationAdministration.effective_at >= start,
                    MedicationAdministration.effective_at < end,
                )
            )
        ),
    ):
        readings.append(Reading(day(moment), Modality.self_reported, stream))
    diary_days = session.scalars(
        select(PainDiaryEntry.local_date).where(
            PainDiaryEntry.patient_id == patient_id,
            PainDiaryEntry.local_date.between(first, last),
        )
    )
    readings.extend(Reading(d, Modality.self_reported, "pain_diary") for d in diary_days)
    return readings


def _time_logs(
    session: Session,
    patient_id: int,
    zone_name: str,
    program: MonitoringProgram,
    first: date,
    last: date,
) -> list[tuple[ClinicianTimeEntry, date, int]]:
    """Each entry, its local day and the minutes it counts: a performer's overlapping entries
    (a visit and time logged by hand for the same stretch) count their shared minutes once."""
    start, end = _utc_bounds(first, last, zone_name)
    zone = time_zone(zone_name)
    rows = list(
        session.scalars(
            select(ClinicianTimeEntry).where(
                ClinicianTimeEntry.patient_id == patient_id,
                ClinicianTimeEntry.program == program,
                ClinicianTimeEntry.started_at >= start,
                ClinicianTimeEntry.started_at < end,
            )
        )
    )
    counted = counted_minutes(
        [
            LoggedInterval(
                key=row.id,
                performer=str(row.clinician_id or f"former user {row.id}"),
                started_at=row.started_at,
                minutes=row.minutes,
                priority=0 if row.visit_id is not None else 1,
            )
            for row in rows
        ]
    )
    return [(row, row.started_at.astimezone(zone).date(), counted[row.id]) for row in rows]


def _performers(
    session: Session, logs: list[tuple[ClinicianTimeEntry, date, int]]
) -> list[Performer]:
    minutes: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for entry, _day, counted in logs:
        minutes[entry.clinician_id][0] += counted
        if entry.interactive:
            minutes[entry.clinician_id][1] += counted
    ids = [user_id for user_id in minutes if user_id is not None]
    found = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    names = {user_id: name for user_id, name in found}
    return [
        Performer(user_id, names.get(user_id, "former user") if user_id else "former user", *m)
        for user_id, m in sorted(minutes.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    ]


def ledger(
    session: Session,
    *,
    access: PatientAccess,
    program: MonitoringProgram,
    period_start: date | None = None,
    first_period: bool = False,
) -> Ledger:
    """The 30-day device period from `period_start` (default: the period ending today, the
    patient's day) and the calendar month it starts in, with the billing engine's decision."""
    zone_name = access.patient.time_zone
    today = utcnow().astimezone(time_zone(zone_name)).date()
    start = period_start or today - timedelta(days=PERIOD_DAYS - 1)
    if start > today:
        raise InvalidInput("the period starts in the future", field="period_start")
    end = start + timedelta(days=PERIOD_DAYS - 1)
    month_start, month_end = calendar_month(start)
    readings = _readings(session, access.patient_id, zone_name, start, end)
    logs = _time_logs(session, access.patient_id, zone_name, program, month_start, month_end)
    timed = [
        TimedMinutes(
            day=day,
            minutes=counted,
            performer=str(entry.clinician_id or "former user"),
            interactive=entry.interactive,
        )
        for entry, day, counted in logs
    ]
    computed = period_ledger(program.value, readings, timed, period_start=start)
    decision = computed.decide(first_period=first_period)
    sensed = sorted({r.day for r in readings if r.modality is Modality.sensed})
    reported = sorted({r.day for r in readings if r.modality is Modality.self_reported})
    return Ledger(
        program=program,
        period_start=computed.period_start,
        period_end=computed.period_end,
        month_start=computed.month_start,
        month_end=computed.month_end,
        sensed_days=sensed,
        self_reported_days=reported,
        qualifying_days=list(computed.data_days),
        minutes=computed.minutes,
        performers=_performers(session, logs),
        interactive=computed.interactive,
        first_period=first_period,
        billing=decision.as_json(),
    )
