"""The pain summary page's sections, read through one patient grant.

Each section is a function of its own so the page can grow: `care_plan_section` is where the
care plan and its goals come in (it reports that there is none until care plans are stored).
Missing data stays missing: a section without data says so and never shows a made-up value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.kit.clock import time_zone
from painpath.models.alert import Alert as MonitoringAlert
from painpath.models.care_plan import CareActivityStatus
from painpath.models.condition import Condition, ConditionStatus
from painpath.models.medication import MedicationRequest, MedicationRequestStatus
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.opioids import Alert, MedicationMme
from painpath.opioids.mme import display
from painpath.services.access import PatientAccess
from painpath.services.care.plans.store import activities_of, find_plan, goals_of
from painpath.services.care.plans.views import goal_view
from painpath.services.monitoring import views as monitoring_views
from painpath.services.monitoring.evaluation import local_today
from painpath.services.pain_summary import charts, risk
from painpath.services.pain_summary.opioid_view import RecordFacts, assessment, record_facts
from painpath.services.pgx.current import current_pgx

CURRENT_CONDITION = (ConditionStatus.active, ConditionStatus.recurrence, ConditionStatus.relapse)
#: The latest-score instruments the summary shows, in order (ids of painpath's definitions).
SCORE_INSTRUMENTS = (("peg", "PEG"), ("phq-9", "PHQ-9"), ("gad-7", "GAD-7"))
#: The PGx advice actions that ask the prescriber to act (painpath.pgx.report/1 `action`).
ACTIONABLE = frozenset({"avoid", "adjust_dose", "monitor"})


@dataclass(frozen=True, slots=True)
class MedicineLine:
    request: MedicationRequest
    mme: MedicationMme | None  # the engine's line for this medicine

    @property
    def mme_per_day(self) -> float | None:
        return None if self.mme is None else display(self.mme.mme_per_day)


@dataclass(frozen=True, slots=True)
class OpioidSection:
    medicines: list[MedicineLine]
    total_mme: float | None
    total_is_complete: bool
    alerts: tuple[Alert, ...]
    notes: tuple[str, ...]
    factors: str  # the conversion factor table used (name and source)


@dataclass(frozen=True, slots=True)
class GeneLine:
    gene: str
    diplotype: str | None
    phenotype: str | None
    converted: str | None  # the phenotype with current medicines, when an inhibitor applies
    converted_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdviceLine:
    drug: str
    action: str
    recommendation: str
    source: str


@dataclass(frozen=True, slots=True)
class PgxSection:
    genes: list[GeneLine]
    advice: list[AdviceLine]  # about the active medicines, actionable first
    knowledge: str


@dataclass(frozen=True, slots=True)
class ScoreLine:
    name: str
    score: float | None
    band: str | None
    answered_on: date


@dataclass(frozen=True, slots=True)
class CarePlanSection:
    """The care plan in one line and its open goals in plain words."""

    plan: str | None
    goals: list[str]
    message: str


@dataclass(frozen=True, slots=True)
class PainSummary:
    today: date
    zone: ZoneInfo
    facts: RecordFacts
    conditions: list[Condition]
    opioids: OpioidSection
    pgx: PgxSection
    risk: risk.RiskFactors
    scores: list[tuple[str, ScoreLine | None]]
    alerts: list[MonitoringAlert]
    care_plan: CarePlanSection


def current_conditions(session: Session, access: PatientAccess) -> list[Condition]:
    return list(
        session.scalars(
            select(Condition)
            .where(
                Condition.patient_id == access.patient_id,
                Condition.clinical_status.in_(CURRENT_CONDITION),
            )
            .order_by(Condition.onset_date.desc().nulls_last(), Condition.id)
        )
    )


def active_medicines(session: Session, access: PatientAccess) -> list[MedicationRequest]:
    return list(
        session.scalars(
            select(MedicationRequest)
            .where(
                MedicationRequest.patient_id == access.patient_id,
                MedicationRequest.status == MedicationRequestStatus.active,
            )
            .order_by(MedicationRequest.start_date.desc(), MedicationRequest.id)
        )
    )


def opioid_section(
    facts: RecordFacts, active: list[MedicationRequest], today: date
) -> OpioidSection:
    """MME per medicine and in total, and the CDC 2022 alerts: `painpath.opioids.assess`."""
    result, _ = assessment(facts, active, today)
    by_id = {line.id: line for line in result.mme.per_medication}
    table = result.mme.table.describe()
    return OpioidSection(
        medicines=[MedicineLine(row, by_id.get(str(row.id))) for row in active],
        total_mme=display(result.mme.total),
        total_is_complete=result.mme.is_complete,
        alerts=result.alerts,
        notes=result.notes,
        factors=f"{table['table']} {table['version']} ({table['source']})",
    )


def pgx_section(session: Session, access: PatientAccess) -> PgxSection:
    """Phenotypes with phenoconversion and the advice for the active medicines, from
    `services.pgx.current` (the pgx engine's report document)."""
    current = current_pgx(session, access=access)
    sample = current.sample
    genes = []
    for name, gene in sorted(sample.get("genes", {}).items()):
        diplotypes = gene.get("diplotypes") or []
        converted_by = tuple(gene.get("phenoconverted_by") or ())
        converted = gene.get("phenoconverted_phenotype")
        score = gene.get("phenoconverted_activity_score")
        if converted and score is not None:
            converted = f"{converted} (activity score {score})"
        genes.append(
            GeneLine(
                gene=name,
                diplotype=", ".join(d.get("diplotype", "") for d in diplotypes) or None,
                phenotype=gene.get("phenotype"),
                converted=converted if converted_by else None,
                converted_by=converted_by,
            )
        )
    advice = [
        AdviceLine(
            drug=drug,
            action=str(item.get("action")),
            recommendation=str(item.get("recommendation") or item.get("implication") or ""),
            source=f"{item.get('guideline', '')} {item.get('version', '')}".strip(),
        )
        for drug, items in sorted(sample.get("drugs", {}).items())
        for item in items
        if item.get("action") in ACTIONABLE
    ]
    advice.sort(key=lambda line: (line.action != "avoid", line.action != "adjust_dose", line.drug))
    knowledge = current.document.get("knowledge", {}).get("version", "")
    return PgxSection(genes=genes, advice=advice, knowledge=str(knowledge))


def score_section(session: Session, access: PatientAccess) -> list[tuple[str, ScoreLine | None]]:
    lines: list[tuple[str, ScoreLine | None]] = []
    zone = time_zone(access.patient.time_zone)
    for instrument, name in SCORE_INSTRUMENTS:
        row: QuestionnaireResponse | None = risk.latest_score(
            session, access.patient_id, instrument
        )
        band = row.score.get("band") if row is not None and isinstance(row.score, dict) else None
        lines.append(
            (
                name,
                None
                if row is None
                else ScoreLine(
                    name=name,
                    score=row.total_score,
                    band=band if isinstance(band, str) else None,
                    answered_on=row.authored_at.astimezone(zone).date(),
                ),
            )
        )
    return lines


def care_plan_section(session: Session, access: PatientAccess) -> CarePlanSection:
    """The patient's care plan: its title and status, the activities under way, and its open
    goals in plain words with where each stands (as stored; the plan's own page evaluates)."""
    plan = find_plan(session, access.patient_id)
    if plan is None:
        return CarePlanSection(plan=None, goals=[], message="No care plan yet.")
    under_way = [
        row.title for row in activities_of(session, plan) if row.status is CareActivityStatus.active
    ]
    line = f"{plan.title} ({plan.status.value})"
    line += f"; under way: {', '.join(under_way)}" if under_way else "; no activity under way"
    goals = [
        f"{view.plain}: {view.achievement_words}" + (f" ({view.progress})" if view.progress else "")
        for view in (goal_view(goal) for goal in goals_of(session, plan))
        if view.open
    ]
    message = "" if goals else "No open goals."
    return CarePlanSection(plan=line, goals=goals, message=message)


def pain_summary(session: Session, access: PatientAccess) -> PainSummary:
    """Every section of the pain summary for the patient behind `access`."""
    patient = access.patient
    zone = time_zone(patient.time_zone)
    today = local_today(patient)
    conditions = current_conditions(session, access)
    active = active_medicines(session, access)
    last_udt = risk.latest_udt(session, access.patient_id)
    last_pdmp = risk.latest_pdmp_check(session, access.patient_id)
    facts = record_facts(
        patient,
        conditions,
        today=today,
        last_udt_date=last_udt.on if last_udt else None,
        last_pdmp_review_date=last_pdmp.on if last_pdmp else None,
    )
    return PainSummary(
        today=today,
        zone=zone,
        facts=facts,
        conditions=conditions,
        opioids=opioid_section(facts, active, today),
        pgx=pgx_section(session, access),
        risk=risk.risk_factors(
            session, access.patient_id, active, last_udt=last_udt, last_pdmp_check=last_pdmp
        ),
        scores=score_section(session, access),
        alerts=monitoring_views.unresolved_alerts(session, access=access),
        care_plan=care_plan_section(session, access),
    )


def summary_facts(session: Session, access: PatientAccess) -> tuple[RecordFacts, ZoneInfo, date]:
    """What the chart data need about the patient: the opioid rules' facts, zone and today."""
    patient = access.patient
    today = local_today(patient)
    last_udt = risk.latest_udt(session, access.patient_id)
    last_pdmp = risk.latest_pdmp_check(session, access.patient_id)
    facts = record_facts(
        patient,
        current_conditions(session, access),
        today=today,
        last_udt_date=last_udt.on if last_udt else None,
        last_pdmp_review_date=last_pdmp.on if last_pdmp else None,
    )
    return facts, time_zone(patient.time_zone), today


def summary_charts(session: Session, access: PatientAccess, days: int) -> dict[str, Any]:
    """The chart data sets (services.pain_summary.charts) for the last `days` local days."""
    facts, zone, today = summary_facts(session, access)
    data = charts.chart_data(session, access, facts=facts, zone=zone, today=today, days=days)
    access.event.detail = f"pain summary charts, {days} days"
    return data
