"""An alert's lifecycle: open → acknowledged → resolved, each step with who and when.

Resolving straight from open is allowed (the condition cleared, or a clinician handled it without
acknowledging first); nothing leaves resolved, and acknowledging twice is refused. A new episode
of the same problem is a new alert (a new dedup key), not a re-opened one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from painpath.kit.clock import as_utc


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class InvalidAlertTransition(ValueError):
    """A lifecycle step the alert's current status does not allow."""


ALLOWED = {
    AlertStatus.open: {AlertStatus.acknowledged, AlertStatus.resolved},
    AlertStatus.acknowledged: {AlertStatus.resolved},
    AlertStatus.resolved: set[AlertStatus](),
}


@dataclass(frozen=True, slots=True)
class AlertEvent:
    status: AlertStatus
    by: str
    at: datetime
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "by": self.by,
            "at": self.at.isoformat(),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class AlertState:
    """Where an alert is in its lifecycle; every step returns a new state with the step recorded."""

    dedup_key: str
    history: tuple[AlertEvent, ...]

    @classmethod
    def opened(cls, dedup_key: str, *, at: datetime, by: str = "painpath") -> AlertState:
        return cls(dedup_key, (AlertEvent(AlertStatus.open, by, as_utc(at)),))

    @property
    def status(self) -> AlertStatus:
        return self.history[-1].status

    def _event(self, status: AlertStatus) -> AlertEvent | None:
        return next((e for e in self.history if e.status is status), None)

    @property
    def acknowledged(self) -> AlertEvent | None:
        return self._event(AlertStatus.acknowledged)

    @property
    def resolved(self) -> AlertEvent | None:
        return self._event(AlertStatus.resolved)

    def _move(self, to: AlertStatus, by: str, at: datetime, note: str | None) -> AlertState:
        if to not in ALLOWED[self.status]:
            raise InvalidAlertTransition(
                f"alert {self.dedup_key} is {self.status.value}: it cannot be {to.value}"
            )
        if not by.strip():
            raise InvalidAlertTransition(f"who {to.value} alert {self.dedup_key} must be named")
        moment = as_utc(at)
        if moment < self.history[-1].at:
            raise InvalidAlertTransition(
                f"alert {self.dedup_key} cannot be {to.value} at {moment.isoformat()}, before it "
                f"was {self.status.value} at {self.history[-1].at.isoformat()}"
            )
        return replace(self, history=(*self.history, AlertEvent(to, by, moment, note)))

    def acknowledge(self, *, by: str, at: datetime, note: str | None = None) -> AlertState:
        return self._move(AlertStatus.acknowledged, by, at, note)

    def resolve(self, *, by: str, at: datetime, note: str | None = None) -> AlertState:
        return self._move(AlertStatus.resolved, by, at, note)

    def as_json(self) -> dict[str, Any]:
        return {
            "dedup_key": self.dedup_key,
            "status": self.status.value,
            "history": [e.as_json() for e in self.history],
        }
