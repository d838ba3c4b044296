"""Break-glass: an administrator seating themself on a patient's care team.

Admins manage care teams but read no clinical data; a seat would give them the record. So
taking one is an emergency action, never an ordinary edit: it needs a written reason and a
recent password (and second factor), is audited as `break_glass` (distinct from care-team
edits), and raises a high-severity alert on the patient that the whole care team sees in its
panel and live feed — the second pair of eyes, after the fact.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath import audit
from painpath.kit.clock import utcnow
from painpath.models.alert import Alert, AlertSeverity
from painpath.models.care_team import CareTeam
from painpath.models.enums import Role
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput, ReauthenticationRequired

RULE_ID = "BREAK_GLASS"
MIN_REASON_LENGTH = 20


def takes_own_seat(access: PatientAccess, before: set[int], after: set[int]) -> bool:
    actor = access.actor
    return actor.role is Role.admin and actor.user_id in after and actor.user_id not in before


def record_self_seat(
    session: Session,
    *,
    access: PatientAccess,
    team: CareTeam,
    reason: str | None,
    recently_authenticated: bool,
) -> None:
    """Allow the seat only with a reason and a recent sign-in; audit it and tell the team."""
    actor = access.actor
    if not reason or len(reason.strip()) < MIN_REASON_LENGTH:
        raise InvalidInput(
            "seating yourself on a care team is break-glass access: give the reason "
            f"(at least {MIN_REASON_LENGTH} characters) in break_glass_reason",
            field="break_glass_reason",
        )
    if not recently_authenticated:
        raise ReauthenticationRequired(
            "break-glass access needs a recent password: POST /api/auth/reauthenticate first"
        )
    now = utcnow()
    audit.record(
        session,
        actor=actor,
        action="break_glass",
        resource_type="CareTeam",
        patient_id=access.patient_id,
        resource_id=team.id,
        detail=f"administrator {actor.username} seated themself: {reason.strip()}",
    )
    key = f"{RULE_ID}:{team.id}:{actor.user_id}:{now.isoformat()}"
    session.add(
        Alert(
            patient_id=access.patient_id,
            rule_id=RULE_ID,
            severity=AlertSeverity.high,
            dedup_key=key,
            active_key=key,
            title="Break-glass: an administrator joined this patient's care team",
            message=(
                f"{actor.username} (admin) took a seat on care team “{team.name}” and can now "
                f"read this record. Reason given: {reason.strip()[:500]}. If this was not "
                "expected, remove the seat and tell the privacy officer."
            ),
            evidence={
                "admin_user_id": actor.user_id,
                "admin_username": actor.username,
                "care_team_id": team.id,
                "reason": reason.strip()[:500],
            },
            created_at=now,
        )
    )
