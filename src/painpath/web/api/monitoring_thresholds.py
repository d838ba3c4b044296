"""A patient's alert thresholds: the rules' defaults, the patient's overrides, and the baseline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.auth.permissions import Permission
from painpath.schemas.monitoring_adherence import AlertThresholdsIn, AlertThresholdsRead
from painpath.services.access import PatientAccess
from painpath.services.monitoring.thresholds import get_thresholds, put_thresholds
from painpath.web.deps import SessionDep, access

router = APIRouter(tags=["alerts"])

Reader = Annotated[PatientAccess, access(Permission.observation_read, "AlertThresholds")]
Manager = Annotated[PatientAccess, access(Permission.alert_manage, "AlertThresholds")]
PATH = "/patients/{patient_id}/alert-thresholds"


@router.get(PATH, response_model=AlertThresholdsRead)
def read_thresholds(grant: Reader, session: SessionDep) -> AlertThresholdsRead:
    """Each rule's defaults, this patient's overrides, and the thresholds in effect."""
    return get_thresholds(session, access=grant)


@router.put(PATH, response_model=AlertThresholdsRead)
def replace_thresholds(
    body: AlertThresholdsIn, grant: Manager, session: SessionDep
) -> AlertThresholdsRead:
    """Replace the overrides and the pain baseline; an unknown rule or threshold, a negative
    value or a share above 1 is refused naming `overrides.<rule>[.<threshold>]`."""
    return put_thresholds(session, access=grant, data=body)
