"""JSON API routers."""

from fastapi import APIRouter

from painpath.web.api import (
    audit_events,
    auth,
    care,
    care_plans,
    care_teams,
    conditions,
    genotypes,
    medications,
    messages,
    mfa,
    monitoring_adherence,
    monitoring_alert_stream,
    monitoring_alerts,
    monitoring_diary,
    monitoring_questionnaires,
    monitoring_sync,
    monitoring_thresholds,
    monitoring_time,
    observations,
    pain_summary,
    patients,
    pgx,
    questionnaire_catalog,
    telehealth,
    therapies,
    users,
    wearables,
)

api_router = APIRouter(prefix="/api")
for module in (
    auth,
    mfa,
    users,
    patients,
    care_teams,
    conditions,
    medications,
    observations,
    genotypes,
    pgx,
    care,
    care_plans,
    therapies,
    questionnaire_catalog,
    monitoring_sync,
    monitoring_diary,
    monitoring_questionnaires,
    monitoring_alert_stream,
    monitoring_alerts,
    monitoring_thresholds,
    monitoring_adherence,
    monitoring_time,
    pain_summary,
    wearables,
    telehealth,
    messages,
    audit_events,
):
    api_router.include_router(module.router)

__all__ = ["api_router"]
