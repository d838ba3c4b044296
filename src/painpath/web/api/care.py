"""Care suggestions: for a patient described in the body, or from a patient's stored record;
and the therapies a patient has tried, which the stored-record route reads.

`POST /api/care/suggest` takes the same JSON document as `painpath care suggest` (docs/care.md)
and is open to clinicians and pharmacists (a refusal is audited). The patient routes go through
the care-team gate and are audited like every patient read and write: therapies tried are read
with `condition:read` and recorded or marked entered-in-error with `condition:write`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from painpath import audit
from painpath.auth.permissions import Permission
from painpath.care import CareRequest, suggest
from painpath.care.outputs import RecordSuggestionsOut, SuggestionsOut
from painpath.kit.clock import utcnow
from painpath.models.audit_event import AuditOutcome
from painpath.models.enums import Role
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.care_tried import (
    TherapyTriedCreate,
    TherapyTriedErrorMark,
    TherapyTriedRead,
)
from painpath.services.access import PatientAccess
from painpath.services.care import suggestions as care
from painpath.services.care import tried as therapies_tried
from painpath.services.errors import AccessDenied
from painpath.web.deps import ActorDep, SessionDep, SettingsDep, access

router = APIRouter(tags=["care"])

SUGGESTING_ROLES = frozenset({Role.clinician, Role.pharmacist})
Reader = Annotated[PatientAccess, access(Permission.condition_read, "CareSuggestion")]
ConditionQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=40, description="painpath id, ICD-10-CM or SNOMED CT code"),
]
ProfileQuery = Annotated[Literal["US", "UK"] | None, Query(description="overrides the default")]
TriedReader = Annotated[PatientAccess, access(Permission.condition_read, "TherapyTried")]
TriedWriter = Annotated[PatientAccess, access(Permission.condition_write, "TherapyTried")]
TriedId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
TRIED = "/patients/{patient_id}/care/therapies-tried"


@router.post("/care/suggest", response_model=SuggestionsOut)
def suggest_for_body(
    body: CareRequest, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Options, exclusions and flags for the patient the body describes (docs/care.md)."""
    if actor.role not in SUGGESTING_ROLES:
        audit.record(
            session,
            actor=actor,
            action="create",
            resource_type="CareSuggestion",
            patient_id=None,
            outcome=AuditOutcome.denied,
            detail="care suggestions are for clinicians and pharmacists",
        )
        raise AccessDenied("care suggestions are for clinicians and pharmacists")
    today = utcnow().date()
    return suggest(body, default_profile=settings.care_profile, today=today).as_json()


@router.get("/patients/{patient_id}/care/suggestions", response_model=RecordSuggestionsOut)
def suggestions_from_record(
    grant: Reader,
    session: SessionDep,
    settings: SettingsDep,
    condition: ConditionQuery = None,
    jurisdiction: ProfileQuery = None,
) -> dict[str, Any]:
    """The same suggestions, built from the stored record; `input` is the request it built."""
    found = care.suggestions_for_patient(
        session,
        access=grant,
        today=utcnow().date(),
        default_profile=settings.care_profile,
        condition=condition,
        jurisdiction=jurisdiction,
    )
    document = found.suggestions.as_json()
    document["notes"] = [*found.notes, *document["notes"]]
    document["input"] = found.document
    return document


def _read(entry: therapies_tried.TriedEntry) -> TherapyTriedRead:
    row = entry.row
    return TherapyTriedRead(
        id=row.id,
        therapy=row.therapy,
        therapy_name=entry.therapy_name,
        family=entry.family,
        outcome=entry.outcome,
        weeks=row.weeks,
        ended_on=row.ended_on,
        note=row.note,
        status=row.status,
        status_reason=row.status_reason,
        recorder_id=row.recorder_id,
        recorder_role=row.recorder_role,
        created_at=row.created_at,
        problem=entry.problem,
    )


@router.get(TRIED, response_model=list[TherapyTriedRead])
def list_therapies_tried(grant: TriedReader, session: SessionDep) -> list[TherapyTriedRead]:
    """Therapies the patient has had, most recently ended first, including entries marked
    entered-in-error (their `status` says so; suggestions do not use them)."""
    return [_read(entry) for entry in therapies_tried.list_tried(session, access=grant)]


@router.post(TRIED, response_model=TherapyTriedRead, status_code=201)
def record_therapy_tried(
    body: TherapyTriedCreate, grant: TriedWriter, session: SessionDep
) -> TherapyTriedRead:
    """Record a therapy the patient has had and how it ended; suggestions use it at once."""
    row = therapies_tried.record_tried(session, access=grant, data=body)
    return _read(therapies_tried.describe(row))


@router.post(TRIED + "/{tried_id}/entered-in-error", response_model=TherapyTriedRead)
def mark_therapy_tried_entered_in_error(
    tried_id: TriedId, body: TherapyTriedErrorMark, grant: TriedWriter, session: SessionDep
) -> TherapyTriedRead:
    """Mark an entry entered in error: it stays in the record (and the audit trail), unused."""
    row = therapies_tried.mark_entered_in_error(
        session, access=grant, tried_id=tried_id, reason=body.reason
    )
    return _read(therapies_tried.describe(row))
