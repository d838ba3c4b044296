"""Reads of stored wearable data: imports, daily aggregates and the completeness view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.models.wearable import WearableDay, WearableImport
from painpath.monitoring.wearables import DailySummary, SourceKind
from painpath.monitoring.wearables.completeness import completeness


def imports(session: Session, patient_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(WearableImport)
        .where(WearableImport.patient_id == patient_id)
        .order_by(WearableImport.id.desc())
    )
    return [
        {
            "import_id": row.id,
            "importer": row.importer,
            "status": row.status.value,
            "samples_read": row.samples_read,
            "samples_added": row.samples_added,
            "days_summarized": row.days_summarized,
            "report": row.report,
            "file_name": row.file_name,
            "started_at": row.started_at,
            "finished_at": row.finished_at,
        }
        for row in rows
    ]


def days(session: Session, patient_id: int, start: date, end: date) -> Sequence[WearableDay]:
    return session.scalars(
        select(WearableDay)
        .where(WearableDay.patient_id == patient_id, WearableDay.day.between(start, end))
        .order_by(WearableDay.day)
    ).all()


def _summary(row: WearableDay) -> DailySummary:
    return DailySummary(
        day=row.day,
        steps=row.steps,
        active_minutes=row.active_minutes,
        active_energy_kcal=row.active_energy_kcal,
        distance_m=row.distance_m,
        sleep_minutes=row.sleep_minutes,
        in_bed_minutes=row.in_bed_minutes,
        resting_heart_rate=row.resting_heart_rate,
        heart_rate_samples=row.heart_rate_samples,
        step_sources=frozenset(SourceKind(k) for k in row.step_sources),
        heart_rate_sources=frozenset(SourceKind(k) for k in row.heart_rate_sources),
    )


def completeness_days(
    session: Session, patient_id: int, start: date, end: date
) -> list[dict[str, Any]]:
    """Each day of [start, end]; data is taken to end on the last day any import covered."""
    last = session.scalar(
        select(func.max(WearableDay.day)).where(WearableDay.patient_id == patient_id)
    )
    summaries = [_summary(row) for row in days(session, patient_id, start, end)]
    view = completeness(summaries, start, end, data_end=last if last is not None else end)
    return [
        {
            "day": day.day,
            "complete": day.complete,
            "missing": [s.value for s in day.missing],
            "streams": [
                {
                    "stream": s.stream.value,
                    "status": s.status.value,
                    "reason": None if s.reason is None else s.reason.value,
                }
                for s in day.streams
            ],
        }
        for day in view
    ]
