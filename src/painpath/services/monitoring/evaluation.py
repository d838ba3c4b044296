"""Run the alert rules on a patient's stored data: build the rules' snapshot from the database,
evaluate it with the patient's own thresholds, and store what it raises (deduplicated).

Two callers. After a sync batch, in the batch's transaction (alerts reach the dashboard with the
data that raised them), only the rules that read what the batch added run, on a snapshot of
only those parts (`inputs`): a diary entry runs the pain rule, a dose log the as-needed opioid
rule, and so on. The daily sweep `painpath monitoring evaluate` runs every rule for every
patient: the rules that fire because time passed with no new data ("no data for 3 days", a
PDC treatment period reaching 91 days, a window rule whose week moved on) fire there.

Fills feed two rules. Opioid early refill: every opioid fill. Low PDC: the PQA method per drug
class over the measurement year to date (1 January of `today`'s year to `today`), for fills not
tied to an as-needed prescription (a low PDC is expected there), and only once the treatment
period (index fill to today) is at least 91 days, PQA's own minimum; the episode is the index
fill, so one alert per class per year.

An episode a clinician has resolved is not opened again by a later evaluation: the rules give
the same dedup key while the episode lasts, and a new episode has a new key.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.kit.clock import time_zone, utcnow
from painpath.models.alert import Alert, AlertStatus
from painpath.models.medication import MedicationRequest
from painpath.models.medication_fill import MedicationFill
from painpath.models.patient import Patient
from painpath.monitoring.adherence import Fill, PdcResult, pdc
from painpath.monitoring.alerts import (
    ALL_INPUTS,
    DailyValue,
    PatientSnapshot,
    PrnUse,
    SnapshotInput,
    alert_knowledge,
    evaluate_alerts,
)
from painpath.monitoring.alerts.engine import MAX_EPISODE_DAYS
from painpath.services.access import PatientAccess
from painpath.services.monitoring.alerts import raise_alerts
from painpath.services.monitoring.series import (
    data_span,
    pain_and_prn,
    pain_values,
    prn_uses,
    questionnaire_results,
    step_values,
)
from painpath.services.monitoring.thresholds import AlertSettings, Thresholds, settings_for

#: PQA: the index fill must be at least 91 days before the end of the measurement period.
PQA_MIN_TREATMENT_DAYS = 91
OPIOID = "opioid"


def local_today(patient: Patient) -> date:
    return utcnow().astimezone(time_zone(patient.time_zone)).date()


def _history_days(overrides: Thresholds) -> int:
    """How far back a window rule may look: its look-back, two windows, and the episode walk."""
    longest = 0
    for rule_id, rule in alert_knowledge().rules.items():
        merged = {**rule.thresholds, **overrides.get(rule_id, {})}
        spans = [merged.get("lookback_days", 0), 2 * merged.get("window_days", 0)]
        longest = max(longest, *(int(span) for span in spans))
    return longest + MAX_EPISODE_DAYS + 1


def as_needed_orders(session: Session, patient_id: int) -> list[MedicationRequest]:
    """The patient's as-needed prescriptions (the low-PDC rule leaves their fills out; the PRN
    rule counts their doses): read once per evaluation."""
    return list(
        session.scalars(
            select(MedicationRequest).where(
                MedicationRequest.patient_id == patient_id, MedicationRequest.as_needed.is_(True)
            )
        )
    )


def stored_fills(
    session: Session, patient_id: int, since: date, until: date
) -> list[MedicationFill]:
    return list(
        session.scalars(
            select(MedicationFill)
            .where(
                MedicationFill.patient_id == patient_id,
                MedicationFill.fill_date >= since,
                MedicationFill.fill_date <= until,
            )
            .order_by(MedicationFill.fill_date, MedicationFill.id)
        )
    )


def as_fill(row: MedicationFill) -> Fill:
    return Fill(row.drug, row.fill_date, row.days_supply, row.quantity)


def class_pdc(fills: list[MedicationFill], today: date, prn: set[int]) -> dict[str, PdcResult]:
    """PDC per drug class over the year to date, for maintenance fills (not tied to one of the
    as-needed prescriptions `prn`)."""
    year_start = date(today.year, 1, 1)
    by_class: dict[str, list[Fill]] = defaultdict(list)
    for row in fills:
        if row.fill_date >= year_start and row.medication_request_id not in prn:
            by_class[row.drug_class].append(as_fill(row))
    found = {}
    for drug_class, class_fills in by_class.items():
        result = pdc(class_fills, year_start, today)
        if result.value is not None and result.treatment_days >= PQA_MIN_TREATMENT_DAYS:
            found[drug_class] = result
    return found


def build_snapshot(
    session: Session,
    patient: Patient,
    today: date,
    settings: AlertSettings | None = None,
    inputs: frozenset[SnapshotInput] = ALL_INPUTS,
    as_needed: list[MedicationRequest] | None = None,
) -> PatientSnapshot:
    """What the alert rules read about `patient`, as of the local day `today` (`settings`: the
    patient's alert settings, `as_needed`: their as-needed prescriptions, when the caller has
    read them already); only the parts in `inputs` are read, the others are left empty."""
    zone: ZoneInfo = time_zone(patient.time_zone)
    settings = settings or settings_for(session, patient.id)
    since = today - timedelta(days=_history_days(settings.overrides))
    fills: list[MedicationFill] = []
    if inputs & {SnapshotInput.adherence, SnapshotInput.opioid_fills}:
        fills = stored_fills(session, patient.id, min(since, date(today.year, 1, 1)), today)
    if as_needed is None:
        as_needed = []
        if inputs & {SnapshotInput.adherence, SnapshotInput.prn}:
            as_needed = as_needed_orders(session, patient.id)
    last_data, started = None, None
    if SnapshotInput.last_data in inputs:
        last_data, started = data_span(session, patient.id, zone)
    need = inputs.__contains__
    # Without a given baseline the pain rule's baseline is the first diary week, however old.
    pain_since = since if settings.pain_baseline is not None else None
    pain: list[DailyValue] = []
    prn: list[PrnUse] = []
    if need(SnapshotInput.pain) and need(SnapshotInput.prn):  # one statement for both
        pain, prn = pain_and_prn(
            session, patient, zone, pain_since=pain_since, prn_since=since, orders=as_needed
        )
    elif need(SnapshotInput.pain):
        pain = pain_values(session, patient, zone, pain_since)
    elif need(SnapshotInput.prn):
        prn = prn_uses(session, patient, zone, since, opioids_only=True, orders=as_needed)
    return PatientSnapshot(
        patient_id=str(patient.id),
        time_zone=patient.time_zone,
        pain=tuple(v for v in pain if v.day <= today),
        pain_baseline=settings.pain_baseline,
        questionnaires=tuple(questionnaire_results(session, patient, zone, since))
        if need(SnapshotInput.questionnaires)
        else (),
        steps=tuple(v for v in step_values(session, patient, zone, since) if v.day <= today)
        if need(SnapshotInput.steps)
        else (),
        adherence=class_pdc(fills, today, {order.id for order in as_needed})
        if need(SnapshotInput.adherence)
        else {},
        prn=tuple(prn),
        opioid_fills=tuple(as_fill(row) for row in fills if row.drug_class == OPIOID),
        last_data_at=last_data,
        monitoring_start=started,
    )


def _resolved_keys(session: Session, patient_id: int, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        session.scalars(
            select(Alert.dedup_key).where(
                Alert.patient_id == patient_id,
                Alert.status == AlertStatus.resolved,
                Alert.dedup_key.in_(keys),
            )
        )
    )


def evaluate_patient(
    session: Session,
    who: PatientAccess | Patient,
    today: date | None = None,
    inputs: frozenset[SnapshotInput] = ALL_INPUTS,
    as_needed: list[MedicationRequest] | None = None,
) -> list[Alert]:
    """Evaluate the rules for the patient on `today` (default: the patient's local today) and
    open an alert for each new episode; the alerts opened. `inputs`: only the rules that read
    these snapshot parts (new data there), on a snapshot of only them; default every rule.
    `as_needed`: the patient's as-needed prescriptions, when the caller has read them.

    With a `PatientAccess` the request's actor raises them; with a bare `Patient` (the daily
    sweep) painpath itself does, and the evaluation is audited as a system read.
    """
    if not inputs:
        return []
    patient = who.patient if isinstance(who, PatientAccess) else who
    actor: Actor | None = who.actor if isinstance(who, PatientAccess) else None
    day = today or local_today(patient)
    settings = settings_for(session, patient.id)
    snapshot = build_snapshot(session, patient, day, settings, inputs, as_needed)
    candidates = evaluate_alerts(snapshot, day, overrides=settings.overrides, inputs=inputs)
    handled = _resolved_keys(session, patient.id, [c.dedup_key for c in candidates])
    if not isinstance(who, PatientAccess):
        audit.record(
            session,
            actor=None,
            action="read",
            resource_type="AlertEvaluation",
            patient_id=patient.id,
            detail=f"alert rules evaluated for {day.isoformat()} by the daily sweep",
        )
    fresh = [c for c in candidates if c.dedup_key not in handled]
    return raise_alerts(session, patient, fresh, actor=actor)


def patient_ids(session: Session) -> list[int]:
    """Every active patient, for the sweep."""
    return list(
        session.scalars(select(Patient.id).where(Patient.active.is_(True)).order_by(Patient.id))
    )
