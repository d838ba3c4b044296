"""The one gate in front of patient data: permission, then care-team scope, then an audit event.

Every service that touches a patient's compartment calls `open_patient` first; the web layer
calls it for every route with a `{patient_id}` in its path, so a new route cannot skip it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from painpath import audit
from painpath.audit.trail import AuditDraft
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.auth.scope import can_see_patient
from painpath.models.audit_event import AuditOutcome
from painpath.models.patient import Patient
from painpath.services.errors import AccessDenied

#: Permissions granted on any patient, without a care-team seat: they expose no clinical data.
UNSCOPED_PERMISSIONS = frozenset({Permission.care_team_manage})


@dataclass(slots=True)
class PatientAccess:
    """Proof that `actor` may exercise `permission` on `patient`, with its drafted audit event."""

    actor: Actor
    patient: Patient
    permission: Permission
    event: AuditDraft

    @property
    def patient_id(self) -> int:
        return self.patient.id

    def note_resource(self, resource_id: int | str) -> None:
        """Name the resource the request touched (e.g. the id of a newly created row)."""
        self.event.resource_id = str(resource_id)


def open_patient(
    session: Session,
    *,
    actor: Actor,
    patient_id: int,
    permission: Permission,
    action: str,
    resource_type: str,
    resource_id: str | int | None = None,
) -> PatientAccess:
    """Authorize `actor` for `permission` on the patient, or audit the denial and raise."""
    patient = session.get(Patient, patient_id)
    # The scope query runs even for a missing patient, so timing does not reveal which ids exist.
    in_scope = can_see_patient(session, actor, patient_id)
    return authorize(
        session,
        actor=actor,
        patient=patient,
        in_scope=in_scope,
        patient_id=patient_id,
        permission=permission,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
    )


def authorize(
    session: Session,
    *,
    actor: Actor,
    patient: Patient | None,
    in_scope: bool,
    patient_id: int,
    permission: Permission,
    action: str,
    resource_type: str,
    resource_id: str | int | None = None,
) -> PatientAccess:
    """`open_patient` once the patient (None: no such id) and the actor's care-team scope on it
    are read: a bearer request reads both with its token (`accounts.live_token_with_patient`)."""
    allowed = (
        patient is not None
        and actor.can(permission)
        and (permission in UNSCOPED_PERMISSIONS or in_scope)
    )
    if not allowed or patient is None:
        audit.record(
            session,
            actor=actor,
            action=action,
            resource_type=resource_type,
            patient_id=patient_id,
            resource_id=resource_id,
            outcome=AuditOutcome.denied,
            detail=f"{permission.value} refused",
        )
        # The same answer whether the patient is missing or out of scope: ids are not probed.
        raise AccessDenied(f"you do not have {permission.value} access to patient {patient_id}")
    event = audit.record(
        session,
        actor=actor,
        action=action,
        resource_type=resource_type,
        patient_id=patient_id,
        resource_id=resource_id,
    )
    return PatientAccess(actor=actor, patient=patient, permission=permission, event=event)
