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
# Each request is matched against the routers in this order (twice: once to find the router,
# once inside it), so the routes a patient app and a clinician's panel call all day come first
# (issue 15: matching the whole list was a large share of a record read's CPU). No path of a
# router moved ahead matches a path of one it passed (tests/web/test_route_order.py).
HOT_ROUTERS = (
    monitoring_sync,
    monitoring_diary,
    observations,
    medications,
    patients,
    monitoring_alerts,
)
for module in (
    *HOT_ROUTERS,
    auth,
    mfa,
    users,
    care_teams,
    conditions,
    genotypes,
    pgx,
    care,
    care_plans,
    therapies,
    questionnaire_catalog,
    monitoring_questionnaires,
    monitoring_alert_stream,
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
