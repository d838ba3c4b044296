"""Mobile sync: post a batch of readings, diary entries, dose logs, questionnaire answers and
pharmacy fills, and fetch what changed on the record since the last sync."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, StringConstraints

from painpath.auth.permissions import Permission
from painpath.schemas.clinical import MedicationRequestRead, ObservationRead
from painpath.schemas.monitoring_adherence import MedicationFillRead
from painpath.schemas.monitoring_diary import PainDiaryRead
from painpath.schemas.monitoring_questionnaires import AssignmentRead, QuestionnaireResponseRead
from painpath.schemas.monitoring_sync import (
    ChangeRead,
    ChangesRead,
    DoseLogRead,
    SyncBatchIn,
    SyncBatchResult,
)
from painpath.services.access import PatientAccess
from painpath.services.monitoring import changes as monitoring_changes
from painpath.services.monitoring import sync as monitoring_sync
from painpath.web.deps import SessionDep, access, hop_access
from painpath.web.hop import one_hop

router = APIRouter(prefix="/patients/{patient_id}/sync", tags=["mobile sync"])

Reader = Annotated[PatientAccess, access(Permission.observation_read, "SyncChanges")]
Writer = Annotated[PatientAccess, access(Permission.observation_write, "SyncBatch")]
#: The same gate, run in a `one_hop` endpoint's own hop.
HopWriter = Annotated[PatientAccess, hop_access(Permission.observation_write, "SyncBatch")]
Token = Annotated[str, StringConstraints(min_length=1, max_length=200)]
REPLAY_HEADER = "Idempotent-Replayed"

#: How each synced kind is shown in the changes feed.
READ_MODELS: dict[str, type[BaseModel]] = {
    "observation": ObservationRead,
    "pain_diary_entry": PainDiaryRead,
    "dose_log": DoseLogRead,
    "medication_request": MedicationRequestRead,
    "questionnaire_response": QuestionnaireResponseRead,
    "questionnaire_assignment": AssignmentRead,
    "medication_fill": MedicationFillRead,
}


@router.post("", response_model=SyncBatchResult)
@one_hop
def post_batch(
    body: SyncBatchIn, grant: HopWriter, session: SessionDep, response: Response
) -> dict[str, Any]:
    """Store a batch: every item, or none (a bad item is named as `items.<index>.<field>`).

    Resending a batch id returns the first answer with `Idempotent-Replayed: true` and adds
    nothing; an item whose kind and client id are already stored comes back as `duplicate`.
    """
    result, replayed = monitoring_sync.receive_batch(session, access=grant, batch=body)
    if replayed:
        response.headers[REPLAY_HEADER] = "true"
    return result


@router.get("/changes", response_model=ChangesRead)
def changes(
    grant: Reader,
    session: SessionDep,
    since: Annotated[Token | None, Query(description="next_token from the last call")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> ChangesRead:
    """Records added, changed or deleted since `since` (everything when left out), oldest first."""
    found = monitoring_changes.changes_since(session, access=grant, since=since, limit=limit)
    items = [
        ChangeRead(
            seq=change.seq,
            kind=change.kind,
            op="upsert" if change.record is not None else "delete",
            id=change.resource_id,
            data=None
            if change.record is None
            else READ_MODELS[change.kind].model_validate(change.record).model_dump(mode="json"),
        )
        for change in found.changes
    ]
    return ChangesRead(changes=items, next_token=found.next_token, has_more=found.has_more)
