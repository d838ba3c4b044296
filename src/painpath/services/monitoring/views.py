"""Read-only views the monitoring pages need: unresolved alerts (a panel's, one patient's) and
each questionnaire's score series with its IMMPACT change against the patient's baseline."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.auth.scope import in_scope
from painpath.kit.clock import time_zone
from painpath.models.alert import Alert, AlertSeverity, AlertStatus
from painpath.models.patient import Patient
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.monitoring.change import ChangeSeries, immpact_series
from painpath.services.access import PatientAccess
from painpath.services.errors import AccessDenied

#: Most urgent first.
_SEVERITY_RANK = case(
    {
        AlertSeverity.urgent: 0,
        AlertSeverity.high: 1,
        AlertSeverity.moderate: 2,
        AlertSeverity.info: 3,
    },
    value=Alert.severity,
    else_=4,
)
#: Enough for any real panel; a page says when it shows only the first ones.
MAX_ALERTS = 200
#: Responses read per instrument for a score series.
MAX_RESPONSES = 500


@dataclass(frozen=True, slots=True)
class PanelAlert:
    alert: Alert
    patient: Patient


@dataclass(frozen=True, slots=True)
class ScoreTrend:
    """One instrument's latest response and its weekly series against the baseline week."""

    instrument: str
    latest: QuestionnaireResponse
    responses: int
    series: ChangeSeries


def _unresolved() -> ColumnElement[bool]:
    return Alert.status.in_((AlertStatus.open, AlertStatus.acknowledged))


def unresolved_panel_alerts(
    session: Session, *, actor: Actor, limit: int = MAX_ALERTS
) -> tuple[list[PanelAlert], bool]:
    """Open and acknowledged alerts of the actor's patients, most urgent and newest first, each
    audited as a search; True when more exist than `limit`."""
    if not actor.can(Permission.observation_read):
        raise AccessDenied("you may not read monitoring alerts")
    query = (
        select(Alert, Patient)
        .join(Patient, Patient.id == Alert.patient_id)
        .where(in_scope(Alert.patient_id, actor), _unresolved())
        .order_by(_SEVERITY_RANK, Alert.created_at.desc(), Alert.id.desc())
        .limit(limit + 1)
    )
    rows = [PanelAlert(alert, patient) for alert, patient in session.execute(query).all()]
    for row in rows[:limit]:
        audit.record(
            session,
            actor=actor,
            action="search",
            resource_type="Alert",
            patient_id=row.alert.patient_id,
            resource_id=row.alert.id,
        )
    return rows[:limit], len(rows) > limit


def unresolved_alerts(session: Session, *, access: PatientAccess) -> list[Alert]:
    """The patient's open and acknowledged alerts, most urgent and newest first."""
    query = (
        select(Alert)
        .where(Alert.patient_id == access.patient_id, _unresolved())
        .order_by(_SEVERITY_RANK, Alert.created_at.desc(), Alert.id.desc())
        .limit(MAX_ALERTS)
    )
    return list(session.scalars(query))


def score_trends(session: Session, *, access: PatientAccess) -> list[ScoreTrend]:
    """Per instrument: the latest scored response and the IMMPACT series of its scores.

    Responses are grouped by ISO week of the patient's local day (one response a week is
    enough, as questionnaires come weekly at most); the first week is the baseline.
    """
    zone = time_zone(access.patient.time_zone)
    query = (
        select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.patient_id == access.patient_id,
            QuestionnaireResponse.total_score.is_not(None),
        )
        .order_by(QuestionnaireResponse.authored_at.desc(), QuestionnaireResponse.id.desc())
        .limit(MAX_RESPONSES * 4)
    )
    by_instrument: dict[str, list[QuestionnaireResponse]] = defaultdict(list)
    for response in session.scalars(query):
        if len(by_instrument[response.questionnaire]) < MAX_RESPONSES:
            by_instrument[response.questionnaire].append(response)
    trends = []
    for instrument, responses in sorted(by_instrument.items()):
        entries = [
            (r.authored_at.astimezone(zone).date(), float(r.total_score or 0)) for r in responses
        ]
        trends.append(
            ScoreTrend(
                instrument=instrument,
                latest=responses[0],
                responses=len(responses),
                series=immpact_series(entries, instrument=instrument, min_entries_per_week=1),
            )
        )
    return trends
