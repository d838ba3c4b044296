"""One patient's summary page: demographics, problems, medicines, pharmacogenes, pain scores.

The page opens the patient once, through `access(Permission.patient_read, "Patient")`; each
section is then read through that grant, and the one audit event names the sections shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.kit.clock import is_valid_time_zone, utcnow
from painpath.kit.pagination import MAX_PAGE_SIZE, PageRequest
from painpath.models.condition import Condition, ConditionStatus
from painpath.models.genotype import GenotypeResult
from painpath.models.medication import MedicationRequest, MedicationRequestStatus
from painpath.services import records
from painpath.services.access import PatientAccess
from painpath.web.deps import SessionDep, access
from painpath.web.ui.deps import ViewerDep
from painpath.web.ui.formatting import age_in_years, number, sig_text
from painpath.web.ui.monitoring_summary import MonitoringSection, monitoring_section
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import render

router = APIRouter(route_class=UIRoute)

#: LOINC 72514-3, "Pain severity - 0-10 verbal numeric rating [Score] - Reported".
PAIN_SCORE_LOINC = "72514-3"
PAIN_WINDOW = timedelta(days=30)
# FHIR condition-clinical codes that mean the problem is current.
CURRENT_CONDITION = frozenset(
    {ConditionStatus.active, ConditionStatus.recurrence, ConditionStatus.relapse}
)
# Enough for any real record; the page says so if a list is cut short.
MAX_SECTION_ROWS = 1000

Row = TypeVar("Row")
Reader = Annotated[PatientAccess, access(Permission.patient_read, "Patient")]


@dataclass(frozen=True, slots=True)
class MedicationLine:
    request: MedicationRequest
    sig: str


@dataclass(frozen=True, slots=True)
class PainReading:
    local_time: str
    score: str
    #: ISO 8601 local time, for the chart drawn from the readings table
    iso_time: str

    @property
    def chart_point(self) -> tuple[str, str]:
        return self.iso_time, self.score


@dataclass(frozen=True, slots=True)
class PainSummary:
    readings: list[PainReading]
    latest: str | None
    mean: str | None
    lowest: str | None
    highest: str | None
    window_start: str
    window_end: str
    time_zone: str
    truncated: bool


def _every(fetch: Callable[[PageRequest], tuple[list[Row], int]]) -> tuple[list[Row], bool]:
    """All rows of a paged service call, up to MAX_SECTION_ROWS; True when cut short."""
    rows: list[Row] = []
    while True:
        batch, total = fetch(PageRequest(limit=MAX_PAGE_SIZE, offset=len(rows)))
        rows.extend(batch)
        if not batch or len(rows) >= total:
            return rows, False
        if len(rows) >= MAX_SECTION_ROWS:
            return rows, True


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name if is_valid_time_zone(name) else "UTC")


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _pain_summary(session: Session, grant: PatientAccess, now: datetime) -> PainSummary:
    since = now - PAIN_WINDOW
    zone = _zone(grant.patient.time_zone)
    rows, truncated = _every(
        lambda page: records.list_observations(
            session, access=grant, page=page, loinc_code=PAIN_SCORE_LOINC, since=since
        )
    )
    scored = [(row.effective_at, row.value) for row in rows if row.value is not None]
    values = [value for _, value in scored]
    return PainSummary(
        readings=[
            PainReading(_local(moment, zone), number(value), moment.astimezone(zone).isoformat())
            for moment, value in scored
        ],
        latest=number(values[0]) if values else None,
        mean=number(round(fmean(values), 1)) if values else None,
        lowest=number(min(values)) if values else None,
        highest=number(max(values)) if values else None,
        window_start=_local(since, zone)[:10],
        window_end=_local(now, zone)[:10],
        time_zone=zone.key,
        truncated=truncated,
    )


def _current_conditions(session: Session, grant: PatientAccess) -> tuple[list[Condition], bool]:
    rows, truncated = _every(lambda page: records.list_conditions(session, access=grant, page=page))
    return [row for row in rows if row.clinical_status in CURRENT_CONDITION], truncated


def _active_medications(
    session: Session, grant: PatientAccess
) -> tuple[list[MedicationLine], bool]:
    rows, truncated = _every(
        lambda page: records.list_medication_requests(
            session, access=grant, page=page, status=MedicationRequestStatus.active.value
        )
    )
    return [MedicationLine(row, sig_text(row)) for row in rows], truncated


@router.get("/patients/{patient_id}")
def patient_summary(
    request: Request, grant: Reader, viewer: ViewerDep, session: SessionDep
) -> Response:
    actor = grant.actor
    sections = ["demographics"]
    conditions: tuple[list[Condition], bool] | None = None
    medications: tuple[list[MedicationLine], bool] | None = None
    genotypes: list[GenotypeResult] | None = None
    pain: PainSummary | None = None
    if actor.can(Permission.condition_read):
        conditions = _current_conditions(session, grant)
        sections.append("conditions")
    if actor.can(Permission.medication_read):
        medications = _active_medications(session, grant)
        sections.append("medication requests")
    if actor.can(Permission.genotype_read):
        genotypes = records.list_genotypes(session, access=grant)
        sections.append("pharmacogenes")
    monitoring: MonitoringSection | None = None
    if actor.can(Permission.observation_read):
        pain = _pain_summary(session, grant, utcnow())
        sections.append("pain scores")
        if not viewer.is_patient:
            monitoring = monitoring_section(session, grant)
            sections.append("remote monitoring")
    grant.event.detail = "summary page: " + ", ".join(sections)
    patient = grant.patient
    return render(
        request,
        "patient.html",
        viewer=viewer,
        patient=patient,
        age=age_in_years(patient.birth_date, date.today()),
        conditions=conditions,
        medications=medications,
        genotypes=genotypes,
        pain=pain,
        monitoring=monitoring,
    )
