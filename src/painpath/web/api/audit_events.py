"""The audit trail, read-only (administrators)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from painpath.schemas.accounts import AuditEventRead
from painpath.schemas.base import MAX_ROW_ID, Page
from painpath.services import audit_log
from painpath.web.deps import ActorDep, PageDep, SessionDep

router = APIRouter(prefix="/audit-events", tags=["audit"])


@router.get("", response_model=Page[AuditEventRead])
def list_audit_events(
    actor: ActorDep,
    session: SessionDep,
    page: PageDep,
    patient_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    outcome: Annotated[Literal["success", "denied", "failure"] | None, Query()] = None,
) -> Page[AuditEventRead]:
    rows, total = audit_log.list_events(
        session, actor=actor, page=page, patient_id=patient_id, user_id=user_id, outcome=outcome
    )
    items = [AuditEventRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
