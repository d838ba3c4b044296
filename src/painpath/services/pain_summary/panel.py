"""The clinician's panel with risk: search, filters and a risk order over every patient on the
actor's care teams, in a fixed number of queries whatever the panel's size (no query per patient).

Per patient: open alerts (open or acknowledged) and their highest severity; total MME/day of the
active prescriptions from the opioid engine (CDC 2022 factors); whether a questionnaire is
overdue (the last closed occurrence of an active assignment has no completed response); and
when patient-generated data last came (diary, questionnaire answers, dose logs, device
observations), "no data for 3 days" when none came in the last 72 hours.

Risk order (highest first), documented in docs/pain-summary.md:
1. highest open alert severity (urgent, high, moderate, info, none);
2. MME band (≥ 90, ≥ 50, below 50 MME/day; CDC 2022 Recommendation 5's thresholds);
3. an overdue questionnaire;
4. no data for 3 days;
5. number of open alerts, then total MME/day;
6. then name and id (a stable order).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.auth.scope import in_scope
from painpath.kit.clock import as_utc, time_zone, utcnow
from painpath.models.alert import Alert, AlertSeverity, AlertStatus
from painpath.models.medication import (
    MedicationAdministration,
    MedicationRequest,
    MedicationRequestStatus,
)
from painpath.models.observation import Observation, ObservationStatus
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.patient import Patient
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.questionnaire_schedule import QuestionnaireAssignment
from painpath.opioids.mme import display
from painpath.services.errors import AccessDenied
from painpath.services.monitoring.occurrences import latest_index, window
from painpath.services.monitoring.series import PAIN_NRS_LOINC, STEPS_LOINC
from painpath.services.pain_summary.opioid_view import RecordFacts, age_on, assessment

#: CDC 2022 Recommendation 5: reassess at 50 MME/day or more, avoid or justify 90 or more.
MME_THRESHOLDS = (50, 90)
NO_DATA_AFTER = timedelta(days=3)
#: A panel beyond this many matching patients is cut (and says so): bounded time and memory.
MAX_PANEL_PATIENTS = 5000
SEVERITY_RANK = {
    AlertSeverity.urgent: 4,
    AlertSeverity.high: 3,
    AlertSeverity.moderate: 2,
    AlertSeverity.info: 1,
}


class PanelSort(StrEnum):
    risk = "risk"
    name = "name"


class MmeFilter(StrEnum):
    """Total MME/day at or above CDC 2022's thresholds."""

    ge50 = "50"
    ge90 = "90"


@dataclass(frozen=True, slots=True)
class PanelFilters:
    open_alerts: bool = False
    mme: MmeFilter | None = None
    overdue: bool = False
    no_recent_data: bool = False


@dataclass(frozen=True, slots=True)
class PanelRow:
    patient: Patient
    open_alerts: int
    top_severity: AlertSeverity | None
    total_mme: float | None
    mme_complete: bool
    overdue: bool
    last_data_at: datetime | None
    no_recent_data: bool

    @property
    def mme_band(self) -> int:
        total = self.total_mme or 0
        return sum(total >= threshold for threshold in MME_THRESHOLDS)

    def risk_key(self) -> tuple[object, ...]:
        severity = SEVERITY_RANK.get(self.top_severity, 0) if self.top_severity else 0
        return (
            -severity,
            -self.mme_band,
            -int(self.overdue),
            -int(self.no_recent_data),
            -self.open_alerts,
            -(self.total_mme or 0),
            self.patient.family_name.lower(),
            self.patient.given_name.lower(),
            self.patient.id,
        )


@dataclass(frozen=True, slots=True)
class Panel:
    rows: list[PanelRow]  # the page asked for
    total: int  # rows matching search and filters
    truncated: bool  # more patients matched the search than MAX_PANEL_PATIENTS


def _patients(session: Session, actor: Actor, search: str | None) -> list[Patient]:
    query = select(Patient).where(in_scope(Patient.id, actor))
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Patient.family_name).like(pattern),
                func.lower(Patient.given_name).like(pattern),
                func.lower(Patient.mrn).like(pattern),
            )
        )
    return list(
        session.scalars(
            query.order_by(Patient.family_name, Patient.given_name, Patient.id).limit(
                MAX_PANEL_PATIENTS + 1
            )
        )
    )


def _alerts(session: Session, scope: ColumnElement[bool]) -> dict[int, dict[AlertSeverity, int]]:
    found: dict[int, dict[AlertSeverity, int]] = defaultdict(dict)
    rows = session.execute(
        select(Alert.patient_id, Alert.severity, func.count())
        .where(scope, Alert.status.in_((AlertStatus.open, AlertStatus.acknowledged)))
        .group_by(Alert.patient_id, Alert.severity)
    )
    for patient_id, severity, count in rows:
        found[patient_id][severity] = int(count)
    return found


def _mme(
    session: Session, scope: ColumnElement[bool], patients: dict[int, Patient], today: date
) -> dict[int, tuple[float | None, bool]]:
    """Total MME/day per patient, from the opioid engine on their active prescriptions."""
    by_patient: dict[int, list[MedicationRequest]] = defaultdict(list)
    rows = session.scalars(
        select(MedicationRequest)
        .where(scope, MedicationRequest.status == MedicationRequestStatus.active)
        .order_by(MedicationRequest.patient_id, MedicationRequest.id)
    )
    for row in rows:
        by_patient[row.patient_id].append(row)
    totals: dict[int, tuple[float | None, bool]] = {}
    for patient_id, requests in by_patient.items():
        patient = patients.get(patient_id)
        if patient is None:
            continue
        facts = RecordFacts(
            age=age_on(patient.birth_date, today),
            sex=None,
            opioid_use_disorder=False,
            substance_misuse_history=False,
            sickle_cell=False,
            last_udt_date=None,
            last_pdmp_review_date=None,
        )
        result, _ = assessment(facts, requests, today)
        totals[patient_id] = (display(result.mme.total), result.mme.is_complete)
    return totals


def _overdue(
    session: Session, actor: Actor, patients: dict[int, Patient], now: datetime
) -> set[int]:
    """Patients whose active assignment's last closed occurrence has no completed response."""
    assignments = list(
        session.scalars(
            select(QuestionnaireAssignment).where(
                in_scope(QuestionnaireAssignment.patient_id, actor),
                QuestionnaireAssignment.active.is_(True),
                QuestionnaireAssignment.starts_at <= now,
            )
        )
    )
    if not assignments:
        return set()
    responses = session.execute(
        select(QuestionnaireResponse.assignment_id, QuestionnaireResponse.occurrence).where(
            in_scope(QuestionnaireResponse.patient_id, actor),
            QuestionnaireResponse.assignment_id.is_not(None),
            QuestionnaireResponse.status == "completed",
        )
    )
    answered = {(assignment_id, occurrence) for assignment_id, occurrence in responses}
    overdue: set[int] = set()
    for assignment in assignments:
        patient = patients.get(assignment.patient_id)
        if patient is None or assignment.patient_id in overdue:
            continue
        zone = time_zone(patient.time_zone)
        index = latest_index(assignment, now, zone)
        if index >= 0 and window(assignment, index, zone)[1] > now:
            index -= 1  # the latest occurrence is still open: look at the one before
        if index < 0:
            continue
        closes = window(assignment, index, zone)[1]
        if closes <= as_utc(assignment.created_at):
            continue  # closed before anyone assigned it
        if (assignment.id, index) not in answered:
            overdue.add(assignment.patient_id)
    return overdue


def _last_data(session: Session, actor: Actor) -> dict[int, datetime]:
    """The latest patient-generated data per patient (as services.monitoring.series
    .last_data_at, for every patient at once)."""
    device_made = or_(
        Observation.client_id.is_not(None),
        Observation.modality.is_not(None),
        Observation.loinc_code.in_((PAIN_NRS_LOINC, STEPS_LOINC)),
    )
    queries = [
        select(PainDiaryEntry.patient_id, func.max(PainDiaryEntry.recorded_at))
        .where(in_scope(PainDiaryEntry.patient_id, actor))
        .group_by(PainDiaryEntry.patient_id),
        select(QuestionnaireResponse.patient_id, func.max(QuestionnaireResponse.authored_at))
        .where(in_scope(QuestionnaireResponse.patient_id, actor))
        .group_by(QuestionnaireResponse.patient_id),
        select(MedicationAdministration.patient_id, func.max(MedicationAdministration.effective_at))
        .where(in_scope(MedicationAdministration.patient_id, actor))
        .group_by(MedicationAdministration.patient_id),
        select(Observation.patient_id, func.max(Observation.effective_at))
        .where(
            in_scope(Observation.patient_id, actor),
            device_made,
            Observation.status != ObservationStatus.entered_in_error,
        )
        .group_by(Observation.patient_id),
    ]
    latest: dict[int, datetime] = {}
    for query in queries:
        for patient_id, moment in session.execute(query):
            if moment is not None:
                moment = as_utc(moment)
                latest[patient_id] = max(latest.get(patient_id, moment), moment)
    return latest


def _keep(row: PanelRow, filters: PanelFilters) -> bool:
    if filters.open_alerts and not row.open_alerts:
        return False
    if filters.mme is not None and (row.total_mme or 0) < int(filters.mme.value):
        return False
    if filters.overdue and not row.overdue:
        return False
    return not (filters.no_recent_data and not row.no_recent_data)


def panel(
    session: Session,
    *,
    actor: Actor,
    search: str | None,
    filters: PanelFilters,
    sort: PanelSort,
    offset: int,
    limit: int,
) -> Panel:
    """The actor's patients matching `search` and `filters`, in `sort` order, one page; each
    listed patient is audited as a search (as services.patients.list_patients does)."""
    if not actor.can(Permission.patient_read) or not actor.can(Permission.observation_read):
        raise AccessDenied("you may not list patients")
    now = utcnow()
    found = _patients(session, actor, search)
    truncated = len(found) > MAX_PANEL_PATIENTS
    patients = {patient.id: patient for patient in found[:MAX_PANEL_PATIENTS]}
    today = now.date()
    alerts = _alerts(session, in_scope(Alert.patient_id, actor))
    mme = _mme(session, in_scope(MedicationRequest.patient_id, actor), patients, today)
    overdue = _overdue(session, actor, patients, now)
    last_data = _last_data(session, actor)
    rows = []
    for patient in patients.values():
        counts = alerts.get(patient.id, {})
        top = max(counts, key=lambda severity: SEVERITY_RANK[severity], default=None)
        total, complete = mme.get(patient.id, (0.0, True))
        last = last_data.get(patient.id)
        rows.append(
            PanelRow(
                patient=patient,
                open_alerts=sum(counts.values()),
                top_severity=top,
                total_mme=total,
                mme_complete=complete,
                overdue=patient.id in overdue,
                last_data_at=last,
                no_recent_data=last is None or now - last > NO_DATA_AFTER,
            )
        )
    kept = [row for row in rows if _keep(row, filters)]
    if sort is PanelSort.risk:
        kept.sort(key=PanelRow.risk_key)
    shown = kept[offset : offset + limit]
    for row in shown:
        audit.record(
            session,
            actor=actor,
            action="search",
            resource_type="Patient",
            patient_id=row.patient.id,
            resource_id=row.patient.id,
        )
    return Panel(rows=shown, total=len(kept), truncated=truncated)
