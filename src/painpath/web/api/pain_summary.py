"""The pain summary's chart data as JSON, for the page's chart script (and any client)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from painpath.auth.permissions import Permission
from painpath.schemas.pain_summary import PainSummaryCharts
from painpath.services.access import PatientAccess
from painpath.services.pain_summary import charts
from painpath.services.pain_summary.summary import summary_charts
from painpath.web.deps import SessionDep, access

router = APIRouter(tags=["pain summary"])

#: Clinicians and pharmacists (who work alerts) on the patient's care team; not the patient.
Reader = Annotated[PatientAccess, access(Permission.alert_manage, "PainSummary")]
Days = Annotated[
    int,
    Query(
        ge=charts.MIN_DAYS,
        le=charts.MAX_DAYS,
        description="how many local days, ending today, the charts cover",
    ),
]


@router.get("/patients/{patient_id}/pain-summary/charts", response_model=PainSummaryCharts)
def pain_summary_charts(
    grant: Reader, session: SessionDep, days: Days = charts.DEFAULT_DAYS
) -> PainSummaryCharts:
    """Daily pain and PEG with therapy bands, steps and sleep, PDC and as-needed doses, MME per
    day (opioid engine, CDC 2022 factors) and the pain calendar, each with a text summary."""
    return PainSummaryCharts.model_validate(summary_charts(session, grant, days))
