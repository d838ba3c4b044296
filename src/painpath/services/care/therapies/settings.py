"""Clinic-wide settings for therapy workflows; every change is audited.

`require_neurostimulation_trial` (default on): an implant needs a successful trial. NICE TA159
and CMS NCD 160.7 expect a trial; the TRIAL-STIM RCT (Eldabe 2020) questioned its value, so a
clinic may switch it off — the switch is an administrator's, with an audit event either way.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.kit.clock import utcnow
from painpath.models.audit_event import AuditOutcome
from painpath.models.therapy_course import ClinicSetting
from painpath.schemas.therapies import ClinicSettingsRead
from painpath.services.errors import AccessDenied

TRIAL_REQUIRED = "require_neurostimulation_trial"


def trial_required(session: Session) -> bool:
    row = session.get(ClinicSetting, TRIAL_REQUIRED)
    return row is None or row.value != "false"  # default on; anything unexpected means on


def read_settings(session: Session, *, actor: Actor) -> ClinicSettingsRead:
    """Any signed-in staff member may read the setting that governs their workflow."""
    row = session.get(ClinicSetting, TRIAL_REQUIRED)
    audit.record(
        session,
        actor=actor,
        action="read",
        resource_type="ClinicSetting",
        patient_id=None,
        resource_id=TRIAL_REQUIRED,
    )
    return ClinicSettingsRead(
        require_neurostimulation_trial=trial_required(session),
        changed_at=row.changed_at if row else None,
        changed_by=row.changed_by if row else None,
    )


def set_trial_required(session: Session, *, actor: Actor, required: bool) -> ClinicSettingsRead:
    """Switch the trial requirement (administrators only), audited with old and new value."""
    if not actor.can(Permission.clinic_settings_manage):
        audit.record(
            session,
            actor=actor,
            action="update",
            resource_type="ClinicSetting",
            patient_id=None,
            resource_id=TRIAL_REQUIRED,
            outcome=AuditOutcome.denied,
            detail=f"{Permission.clinic_settings_manage.value} refused",
        )
        raise AccessDenied("only administrators change clinic settings")
    before = trial_required(session)
    row = session.get(ClinicSetting, TRIAL_REQUIRED)
    if row is None:
        row = ClinicSetting(key=TRIAL_REQUIRED)
        session.add(row)
    row.value = "true" if required else "false"
    row.changed_at = utcnow()
    row.changed_by = actor.user_id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource_type="ClinicSetting",
        patient_id=None,
        resource_id=TRIAL_REQUIRED,
        detail=f"neurostimulation trial requirement {'on' if before else 'off'} -> "
        f"{'on' if required else 'off'}",
    )
    return ClinicSettingsRead(
        require_neurostimulation_trial=required, changed_at=row.changed_at, changed_by=actor.user_id
    )
