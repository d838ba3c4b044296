"""Care suggestions: for a patient described in the body, or from a patient's stored record.

`POST /api/care/suggest` takes the same JSON document as `painpath care suggest` (docs/care.md)
and is open to clinicians and pharmacists (a refusal is audited). The stored-record route goes
through the care-team gate and is audited like every patient read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from painpath import audit
from painpath.auth.permissions import Permission
from painpath.care import CareRequest, suggest
from painpath.kit.clock import utcnow
from painpath.models.audit_event import AuditOutcome
from painpath.models.enums import Role
from painpath.services.access import PatientAccess
from painpath.services.care import suggestions as care
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


@router.post("/care/suggest")
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


@router.get("/patients/{patient_id}/care/suggestions")
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
