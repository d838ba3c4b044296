"""The patient's own progress, from their stored data, for the patient app's home page.

Daily values on the patient's local days (the same series the alert rules read): pain from the
diary, NRS observations and pain questionnaires; sleep hours from the diary; steps from wearable
daily totals; as-needed doses taken. `monitoring.progress` averages the last 30 days against
the 30 before and words the change.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.kit.clock import in_range, time_zone
from painpath.models.pain_diary import PainDiaryEntry
from painpath.monitoring.alerts import DailyValue
from painpath.monitoring.progress import WINDOW_DAYS, ProgressLine, progress_lines
from painpath.services.access import PatientAccess
from painpath.services.monitoring.evaluation import local_today
from painpath.services.monitoring.series import pain_values, prn_uses, step_values


def _daily_means(values: list[DailyValue]) -> dict[date, float]:
    grouped: dict[date, list[float]] = defaultdict(list)
    for value in values:
        grouped[value.day].append(value.value)
    return {day: sum(found) / len(found) for day, found in grouped.items()}


def _sleep(session: Session, patient_id: int, since: date) -> dict[date, float]:
    rows = session.execute(
        select(PainDiaryEntry.local_date, PainDiaryEntry.sleep_hours).where(
            PainDiaryEntry.patient_id == patient_id,
            PainDiaryEntry.local_date >= since,
            PainDiaryEntry.sleep_hours.is_not(None),
        )
    )
    return _daily_means(
        [
            DailyValue(day, float(hours))
            for day, hours in rows
            if hours is not None and in_range(day)
        ]
    )


def patient_progress(
    session: Session, *, access: PatientAccess, today: date | None = None
) -> list[ProgressLine]:
    """The patient's progress lines as of their local `today` (now, when left out).

    `access` must grant reading the patient's observations (the web layer opens it so).
    """
    patient = access.patient
    zone = time_zone(patient.time_zone)
    today = today or local_today(patient)
    since = today - timedelta(days=2 * WINDOW_DAYS - 1)
    pain = _daily_means([v for v in pain_values(session, patient, zone) if since <= v.day <= today])
    steps = {v.day: v.value for v in step_values(session, patient, zone, since) if v.day <= today}
    doses: dict[date, float] = defaultdict(float)
    for use in prn_uses(session, patient, zone, since, opioids_only=False):
        for day, count in use.doses_per_day.items():
            if day <= today:
                doses[day] += count
    series = {
        "pain": pain,
        "sleep": _sleep(session, patient.id, since),
        "steps": steps,
        "prn_doses": dict(doses),
    }
    return progress_lines(series, today)
