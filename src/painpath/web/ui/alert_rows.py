"""Monitoring alerts as the pages list them: who, what, when, and whether the viewer may act."""

from __future__ import annotations

from dataclasses import dataclass

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.models.alert import Alert, AlertStatus
from painpath.models.patient import Patient


@dataclass(frozen=True, slots=True)
class AlertRow:
    alert: Alert
    #: Shown on the panel, where alerts of many patients are listed; None on a patient's page.
    patient: Patient | None
    raised: str
    acknowledged: str | None
    can_acknowledge: bool
    can_resolve: bool

    @property
    def base_path(self) -> str:
        return f"/patients/{self.alert.patient_id}/alerts/{self.alert.id}"


def alert_row(alert: Alert, actor: Actor, patient: Patient | None = None) -> AlertRow:
    manage = actor.can(Permission.alert_manage)
    acknowledged = alert.acknowledged_at
    return AlertRow(
        alert=alert,
        patient=patient,
        raised=alert.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        acknowledged=acknowledged.strftime("%Y-%m-%d %H:%M UTC") if acknowledged else None,
        can_acknowledge=manage and alert.status is AlertStatus.open,
        can_resolve=manage and alert.status is not AlertStatus.resolved,
    )
