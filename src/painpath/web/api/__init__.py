"""JSON API routers."""

from fastapi import APIRouter

from painpath.web.api import (
    audit_events,
    auth,
    care_teams,
    conditions,
    genotypes,
    medications,
    observations,
    patients,
    pgx,
    users,
)

api_router = APIRouter(prefix="/api")
for module in (
    auth,
    users,
    patients,
    care_teams,
    conditions,
    medications,
    observations,
    genotypes,
    pgx,
    audit_events,
):
    api_router.include_router(module.router)

__all__ = ["api_router"]
