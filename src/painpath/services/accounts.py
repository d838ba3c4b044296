"""Accounts: logins with rate limiting, bearer tokens, and user management."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.passwords import dummy_hash, hash_password, verify_password
from painpath.auth.permissions import Permission
from painpath.kit.clock import utcnow
from painpath.kit.pagination import PageRequest
from painpath.models.audit_event import AuditOutcome
from painpath.models.enums import Role
from painpath.models.patient import Patient
from painpath.models.user import ApiToken, LoginAttempt, User
from painpath.schemas.accounts import UserCreate, UserUpdate
from painpath.services.errors import (
    AccessDenied,
    Conflict,
    InvalidInput,
    NotFound,
    TooManyAttempts,
)


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client_address: str,
    max_failures: int,
    window_seconds: int,
) -> User | None:
    """Check a username and password; None when they do not match.

    The failed attempt is recorded in the session, so the caller must commit rather than
    raise (a raise would roll the attempt back and defeat the rate limit).
    """
    if "\x00" in username or "\x00" in password:
        raise InvalidInput("username and password cannot contain NUL characters", field="username")
    since = utcnow() - timedelta(seconds=window_seconds)
    failures = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.attempted_at >= since,
            LoginAttempt.succeeded.is_(False),
            (LoginAttempt.username == username) | (LoginAttempt.client_address == client_address),
        )
    )
    if (failures or 0) >= max_failures:
        audit.record(  # a denial: written even though the request fails
            session,
            actor=None,
            action="login",
            resource_type="Session",
            patient_id=None,
            outcome=AuditOutcome.denied,
            detail=f"login for {username[:64]!r} refused: too many failed attempts",
        )
        raise TooManyAttempts(
            f"too many failed logins; try again in {window_seconds // 60 or 1} minutes"
        )
    user = session.scalar(select(User).where(User.username == username))
    valid, new_hash = verify_password(password, user.password_hash if user else dummy_hash())
    succeeded = bool(user and user.is_active and valid)
    session.add(
        LoginAttempt(username=username[:64], client_address=client_address, succeeded=succeeded)
    )
    audit.record(
        session,
        actor=Actor.of(user) if user and succeeded else None,
        action="login",
        resource_type="Session",
        patient_id=None,
        outcome=AuditOutcome.success if succeeded else AuditOutcome.denied,
        detail=None if succeeded else f"failed login for {username[:64]!r}",
    )
    if not succeeded or user is None:
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, user: User, minutes: int) -> tuple[str, datetime]:
    """Create a bearer token; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(minutes=minutes)
    session.add(ApiToken(user_id=user.id, token_sha256=_token_digest(token), expires_at=expires_at))
    return token, expires_at


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _token_digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user and user.is_active else None


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _token_digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def active_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user and user.is_active else None


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    patient_id: int | None = None,
    npi: str | None = None,
) -> User:
    """Add an account. A patient account must name its patient; staff accounts must not."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken", field="username")
    if role is Role.patient:
        if patient_id is None:
            raise InvalidInput("a patient account needs patient_id", field="patient_id")
        if session.get(Patient, patient_id) is None:
            raise InvalidInput(f"patient {patient_id} does not exist", field="patient_id")
        if session.scalar(select(User.id).where(User.patient_id == patient_id)) is not None:
            raise Conflict(f"patient {patient_id} already has an account", field="patient_id")
    elif patient_id is not None:
        raise InvalidInput("only patient accounts link to a patient", field="patient_id")
    try:
        password_hash = hash_password(password)
    except ValueError as error:
        raise InvalidInput(str(error), field="password") from error
    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        role=role,
        patient_id=patient_id,
        npi=npi,
    )
    session.add(user)
    session.flush()
    return user


def _require_admin(actor: Actor) -> None:
    if not actor.can(Permission.user_manage):
        raise AccessDenied("only administrators manage accounts")


def list_users(
    session: Session, *, actor: Actor, page: PageRequest, role: Role | None = None
) -> tuple[list[User], int]:
    _require_admin(actor)
    query = select(User)
    if role is not None:
        query = query.where(User.role == role)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.id).limit(page.limit).offset(page.offset)).all()
    return list(rows), total


def get_user(session: Session, *, actor: Actor, user_id: int) -> User:
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def _audit_account(session: Session, actor: Actor, user: User, action: str, detail: str) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        resource_type="User",
        patient_id=user.patient_id,
        resource_id=user.id,
        detail=detail,
    )


def add_user(session: Session, *, actor: Actor, data: UserCreate) -> User:
    _require_admin(actor)
    user = create_user(session, **data.model_dump())
    _audit_account(session, actor, user, "create", f"{user.role.value} account {user.username}")
    return user


def revoke_all_tokens(session: Session, *, user_id: int) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def update_user(session: Session, *, actor: Actor, user_id: int, data: UserUpdate) -> User:
    user = get_user(session, actor=actor, user_id=user_id)
    # An explicit null leaves a field as it is (found by the Schemathesis run: a null password
    # was hashed and failed with a 500).
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if changes.get("is_active") is False and user.id == actor.user_id:
        raise InvalidInput("you cannot deactivate your own account", field="is_active")
    changed = sorted(changes)
    if "password" in changes:
        try:
            user.password_hash = hash_password(changes.pop("password"))
        except ValueError as error:
            raise InvalidInput(str(error), field="password") from error
    for field, value in changes.items():
        if value is not None:
            setattr(user, field, value)
    if "password" in changed or changes.get("is_active") is False:
        # A new password or a deactivation ends every bearer token the account holds.
        revoke_all_tokens(session, user_id=user.id)
    session.flush()
    _audit_account(session, actor, user, "update", "changed " + ", ".join(changed))
    return user
