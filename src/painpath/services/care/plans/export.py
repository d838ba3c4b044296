"""The stored care plan as a FHIR R4 Bundle (CarePlan + Goals), goals evaluated first."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from painpath.fhir.care_plan import care_plan_bundle
from painpath.services.access import PatientAccess
from painpath.services.care.plans.goals import evaluate_goals
from painpath.services.care.plans.store import get_plan, plan_record


def fhir_bundle(session: Session, *, access: PatientAccess) -> dict[str, Any]:
    plan = get_plan(session, access=access)
    evaluate_goals(session, access, trigger="the FHIR export")
    access.event.detail = "care plan exported as FHIR CarePlan and Goals"
    return care_plan_bundle(plan_record(session, plan))
