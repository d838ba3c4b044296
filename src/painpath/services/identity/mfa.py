"""TOTP second factor: enrollment, the login step, recovery codes.

Staff (clinicians, pharmacists, admins) must enroll where MFA is enforced (production by
default); anyone may enroll. Recovery codes are ten one-time codes, stored as SHA-256 digests,
shown once when created.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth import totp
from painpath.auth.actor import Actor
from painpath.auth.codes import digest, new_code, normalize_code
from painpath.kit.clock import utcnow
from painpath.models.audit_event import AuditOutcome
from painpath.models.credentials import RecoveryCode
from painpath.models.enums import Role
from painpath.models.user import User
from painpath.services.errors import Conflict, InvalidInput

RECOVERY_CODE_COUNT = 10
MFA_ROLES = frozenset({Role.clinician, Role.pharmacist, Role.admin})


def must_enroll(user: User, *, enforced: bool) -> bool:
    return enforced and user.role in MFA_ROLES and not user.mfa_enabled


def _audit(
    session: Session,
    user: User,
    action: str,
    detail: str,
    outcome: AuditOutcome = AuditOutcome.success,
) -> None:
    audit.record(
        session,
        actor=Actor.of(user),
        action=action,
        resource_type="User",
        patient_id=None,
        resource_id=user.id,
        outcome=outcome,
        detail=detail,
    )


def begin_enrollment(session: Session, *, user: User) -> tuple[str, str]:
    """A fresh secret (replacing an unconfirmed one); returns it and its otpauth:// URI."""
    if user.mfa_enabled:
        raise Conflict("a second factor is already enrolled; disable it first", field="otp")
    user.totp_secret = totp.new_secret()
    user.totp_last_step = None
    _audit(session, user, "mfa_enroll", "started TOTP enrollment")
    return user.totp_secret, totp.provisioning_uri(user.totp_secret, user.username)


def confirm_enrollment(session: Session, *, user: User, code: str) -> list[str]:
    """Turn TOTP on once a code from the new secret checks out; returns the recovery codes."""
    if user.mfa_enabled:
        raise Conflict("a second factor is already enrolled", field="otp")
    if user.totp_secret is None:
        raise InvalidInput("start enrollment first", field="otp")
    step = totp.accepted_step(user.totp_secret, code, last_step=user.totp_last_step)
    if step is None:
        _audit(session, user, "mfa_enroll", "wrong code at confirmation", AuditOutcome.denied)
        raise InvalidInput("the code is not right; check the device's clock", field="otp")
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    _audit(session, user, "mfa_enroll", "TOTP enabled")
    return new_recovery_codes(session, user=user)


def new_recovery_codes(session: Session, *, user: User) -> list[str]:
    """Replace the recovery codes with ten new ones (returned once, stored hashed)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_sha256=digest(code)) for code in codes)
    _audit(session, user, "recovery_codes", f"{len(codes)} new recovery codes")
    return codes


def recovery_codes_left(session: Session, *, user: User) -> int:
    rows = session.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    return len(rows.all())


def verify(session: Session, *, user: User, code: str) -> bool:
    """A TOTP code (not replayed) or an unused recovery code; audited either way."""
    if not user.mfa_enabled or user.totp_secret is None:
        return False
    step = totp.accepted_step(user.totp_secret, code, last_step=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        _audit(session, user, "mfa_verify", "TOTP code accepted")
        return True
    spent = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_sha256 == digest(normalize_code(code)),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if spent.rowcount == 1:  # type: ignore[attr-defined]
        _audit(session, user, "mfa_verify", "recovery code used")
        return True
    _audit(session, user, "mfa_verify", "wrong second-factor code", AuditOutcome.denied)
    return False


def disable(session: Session, *, user: User) -> None:
    """Turn TOTP off (also the first half of moving to a new device: where MFA is enforced,
    the account must enroll again before it can do anything else)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    _audit(session, user, "mfa_disable", "TOTP disabled")
