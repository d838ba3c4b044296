"""Monitoring alerts as the API gives them, and the notes that go with acknowledging and
resolving one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from painpath.models.alert import AlertSeverity, AlertStatus
from painpath.schemas.base import InputModel, Note, OutputModel


class AlertRead(OutputModel):
    id: int
    patient_id: int
    rule_id: str
    severity: AlertSeverity
    dedup_key: str
    title: str
    message: str
    evidence: dict[str, Any]
    window_start: date | None
    window_end: date | None
    status: AlertStatus
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    resolved_at: datetime | None
    resolved_by: int | None
    resolution_note: str | None


class AlertAction(InputModel):
    note: Note | None = None
