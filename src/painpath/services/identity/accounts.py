"""Accounts: logins with throttling, bearer tokens, passwords, reset codes, user management."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import BindParameter, Engine, Integer, bindparam, func, select, update
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.codes import digest, new_code, normalize_code
from painpath.auth.passwords import (
    NO_PASSWORD_YET,
    dummy_hash,
    has_password,
    hash_password,
    verify_password,
)
from painpath.auth.permissions import Permission
from painpath.auth.scope import care_team_seat, sees_patient
from painpath.kit.clock import utcnow
from painpath.kit.pagination import PageRequest
from painpath.models.audit_event import AuditOutcome
from painpath.models.credentials import PasswordResetCode
from painpath.models.enums import Role
from painpath.models.patient import Patient
from painpath.models.user import ApiToken, LoginAttempt, User
from painpath.schemas.accounts import UserCreate, UserUpdate
from painpath.services.errors import (
    AccessDenied,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
)
from painpath.services.identity import login_throttle, sessions
from painpath.services.identity.login_throttle import ThrottlePolicy

if TYPE_CHECKING:
    from sqlalchemy import Table


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client_address: str,
    policy: ThrottlePolicy,
) -> User | None:
    """Check a username and password; None when they do not match.

    Each check first takes a throttle slot (committed on its own, see `login_throttle`);
    TooManyAttempts when there is none. On success the caller gives the slot back
    (`login_throttle.give_back`) once its sign-in is complete. The failed attempt is recorded
    in the session, so the caller must commit rather than raise.
    """
    if "\x00" in username or "\x00" in password:
        raise InvalidInput("username and password cannot contain NUL characters", field="username")
    username = username[:64]
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    refusal = login_throttle.take_slot(engine, policy, username=username, address=client_address)
    if refusal is not None:
        audit.record(  # a denial: written even though the request fails
            session,
            actor=None,
            action="login",
            resource_type="Session",
            patient_id=None,
            outcome=AuditOutcome.denied,
            detail=f"login for {username!r} refused: too many failed attempts ({refusal.scope})",
        )
        raise TooManyAttempts(
            f"too many failed logins; try again in {refusal.retry_after_seconds} seconds",
            retry_after_seconds=refusal.retry_after_seconds,
        )
    user = session.scalar(select(User).where(User.username == username))
    valid, new_hash = verify_password(password, user.password_hash if user else dummy_hash())
    succeeded = bool(user and user.is_active and valid)
    session.add(
        LoginAttempt(username=username, client_address=client_address[:64], succeeded=succeeded)
    )
    audit.record(
        session,
        actor=Actor.of(user) if user and succeeded else None,
        action="login",
        resource_type="Session",
        patient_id=None,
        outcome=AuditOutcome.success if succeeded else AuditOutcome.denied,
        detail=None if succeeded else f"failed login for {username!r}",
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


_TOKENS = cast("Table", ApiToken.__table__)
_USERS = cast("Table", User.__table__)
# Built once (a Core statement over the tables: no ORM entities, and its compiled form is cached
# under a key computed once): it runs on every bearer request.
_LIVE_TOKEN_COLUMNS = (
    _TOKENS.c.id,
    _TOKENS.c.created_at,
    _USERS.c.id,
    _USERS.c.username,
    _USERS.c.role,
    _USERS.c.patient_id,
)
_LIVE = (
    _TOKENS.c.token_sha256 == bindparam("digest"),
    _TOKENS.c.revoked_at.is_(None),
    _TOKENS.c.expires_at > bindparam("now"),
    _USERS.c.is_active.is_(True),
)
_LIVE_TOKEN = (
    select(*_LIVE_TOKEN_COLUMNS)
    .join_from(_TOKENS, _USERS, _USERS.c.id == _TOKENS.c.user_id)
    .where(*_LIVE)
)
_PATIENT_ID: BindParameter[int] = bindparam("patient_id", type_=Integer)
# The same, with the patient the request names (outer-joined: no row for an unknown id) and
# whether the token's user sits on one of that patient's active care teams (read for every
# role and every id, so the statement's work does not reveal which ids exist).
_LIVE_TOKEN_WITH_PATIENT = (
    select(*_LIVE_TOKEN_COLUMNS, Patient, care_team_seat(_USERS.c.id, _PATIENT_ID))
    .join_from(_TOKENS, _USERS, _USERS.c.id == _TOKENS.c.user_id)
    .outerjoin(Patient, Patient.id == _PATIENT_ID)
    .where(*_LIVE)
)


def live_token(session: Session, token: str) -> tuple[Actor, sessions.Credential] | None:
    """Who the token speaks for, and the credential, when the token is unrevoked, unexpired and
    its user active.

    One statement on every bearer request: the token's unique digest index, joined to its user
    (no cache, so a revocation or deactivation holds from the next request on)."""
    found = (
        session.connection()
        .execute(_LIVE_TOKEN, {"digest": _token_digest(token), "now": utcnow()})
        .one_or_none()
    )
    if found is None:
        return None
    return _token_actor(*found)


def _token_actor(
    token_id: int,
    created_at: datetime,
    user_id: int,
    username: str,
    role: str,
    patient_id: int | None,
) -> tuple[Actor, sessions.Credential]:
    actor = Actor(user_id, username, Role(role), patient_id)
    return actor, sessions.token_credential(token_id, user_id, created_at)


@dataclass(frozen=True, slots=True)
class TokenPatient:
    """A live token's actor and credential, with the patient a request names: the row (None
    when no patient has that id) and whether the actor may see that patient (care-team scope)."""

    actor: Actor
    credential: sessions.Credential
    patient: Patient | None
    in_scope: bool


def live_token_with_patient(session: Session, token: str, patient_id: int) -> TokenPatient | None:
    """`live_token` and the patient gate's reads in one statement (the hot patient API routes,
    issue 15): the token, its user, the patient and the care-team seat, read as they stand at
    this statement (no cache: a revocation or a care-team change holds from the next request)."""
    found = session.execute(
        _LIVE_TOKEN_WITH_PATIENT,
        {"digest": _token_digest(token), "now": utcnow(), "patient_id": patient_id},
    ).one_or_none()
    if found is None:
        return None
    *token_row, patient, seat = found
    actor, credential = _token_actor(*token_row)
    in_scope = sees_patient(actor, patient_id, seat=bool(seat))
    return TokenPatient(actor, credential, patient, in_scope)


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
    password: str | None,
    role: Role,
    patient_id: int | None = None,
    npi: str | None = None,
) -> User:
    """Add an account. A patient account must name its patient; staff accounts must not.

    `password` None leaves the account without one (no password signs in) until its person
    redeems a one-time setup code; only the operator CLI and the demo seed give one here.
    """
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
    password_hash = NO_PASSWORD_YET
    if password is not None:
        try:
            password_hash = hash_password(password, context=(username, display_name))
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


def add_user(
    session: Session, *, actor: Actor, data: UserCreate, code_minutes: int
) -> tuple[User, str, datetime]:
    """Add an account without a password, and the one-time setup code its person redeems
    (at /reset-password) to choose one. An administrator never knows the password, so they
    cannot create a clinician login, seat it on a care team and read records through it."""
    _require_admin(actor)
    user = create_user(session, **data.model_dump(), password=None)
    code, expires_at = _new_one_time_code(session, actor=actor, user=user, minutes=code_minutes)
    _audit_account(
        session,
        actor,
        user,
        "create",
        f"{user.role.value} account {user.username}, without a password: "
        "issued a one-time setup code",
    )
    return user, code, expires_at


STAFF_ROLES = frozenset({Role.clinician, Role.pharmacist, Role.admin})


def update_user(session: Session, *, actor: Actor, user_id: int, data: UserUpdate) -> User:
    """Change an account. Deactivation and a role change end every session and token it holds.

    An administrator never sets another person's password: they issue a reset code instead.
    """
    user = get_user(session, actor=actor, user_id=user_id)
    # An explicit null leaves a field as it is (found by the Schemathesis run: a null password
    # was hashed and failed with a 500).
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "password" in changes:
        raise InvalidInput(
            "administrators cannot set a password; issue a one-time reset code "
            f"(POST /api/users/{user.id}/reset-code) for the person to set their own",
            field="password",
        )
    if changes.get("is_active") is False and user.id == actor.user_id:
        raise InvalidInput("you cannot deactivate your own account", field="is_active")
    role = changes.get("role")
    if role is not None and role is not user.role:
        if role not in STAFF_ROLES or user.role not in STAFF_ROLES:
            raise InvalidInput(
                "only staff roles change (clinician, pharmacist, admin)", field="role"
            )
        if user.id == actor.user_id:
            raise InvalidInput("you cannot change your own role", field="role")
    changed = sorted(key for key, value in changes.items() if value is not None)
    ends_sessions = changes.get("is_active") is False or (
        role is not None and role is not user.role
    )
    for field, value in changes.items():
        if value is not None:
            setattr(user, field, value)
    if ends_sessions:
        sessions.end_every_credential(session, user_id=user.id)
    session.flush()
    _audit_account(session, actor, user, "update", "changed " + ", ".join(changed))
    return user


def change_own_password(session: Session, *, actor: Actor, current: str, new: str) -> User:
    """The signed-in person sets a new password; every session and token of theirs ends."""
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("log in to continue")
    if not verify_password(current, user.password_hash)[0]:
        audit.record(
            session,
            actor=actor,
            action="password_change",
            resource_type="User",
            patient_id=None,
            resource_id=user.id,
            outcome=AuditOutcome.denied,
            detail="the current password was wrong",
        )
        raise InvalidInput("the current password is not right", field="current_password")
    _set_password(session, user, new, field="new_password")
    _audit_account(session, actor, user, "password_change", "changed their own password")
    return user


def _set_password(session: Session, user: User, password: str, *, field: str) -> None:
    try:
        user.password_hash = hash_password(password, context=(user.username, user.display_name))
    except ValueError as error:
        raise InvalidInput(str(error), field=field) from error
    sessions.end_every_credential(session, user_id=user.id)
    session.flush()


def issue_reset_code(
    session: Session, *, actor: Actor, user_id: int, minutes: int
) -> tuple[str, datetime]:
    """A one-time code for `user_id` to set their own password; shown once, stored hashed.

    Earlier unused codes for the same account stop working.
    """
    user = get_user(session, actor=actor, user_id=user_id)
    if user.id == actor.user_id:
        raise InvalidInput("change your own password yourself, not with a reset code")
    code, expires_at = _new_one_time_code(session, actor=actor, user=user, minutes=minutes)
    _audit_account(
        session, actor, user, "reset_code", f"issued a password reset code for {user.username}"
    )
    return code, expires_at


def _new_one_time_code(
    session: Session, *, actor: Actor, user: User, minutes: int
) -> tuple[str, datetime]:
    """Store the digest of a fresh code for `user`; earlier unused codes stop working."""
    now = utcnow()
    session.execute(
        update(PasswordResetCode)
        .where(PasswordResetCode.user_id == user.id, PasswordResetCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = new_code()
    expires_at = now + timedelta(minutes=minutes)
    session.add(
        PasswordResetCode(
            user_id=user.id,
            code_sha256=digest(code),
            issued_by=actor.user_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return code, expires_at


def redeem_reset_code(session: Session, *, username: str, code: str, new_password: str) -> User:
    """Set a new password with a reset code; the code is spent and every old session ends."""
    if any("\x00" in value for value in (username, code, new_password)):
        raise InvalidInput("the username, code and password cannot contain NUL characters")
    user = session.scalar(select(User).where(User.username == username[:64]))
    row = (
        session.scalar(
            select(PasswordResetCode).where(
                PasswordResetCode.code_sha256 == digest(normalize_code(code))
            )
        )
        if user is not None
        else None
    )
    usable = (
        user is not None
        and user.is_active
        and row is not None
        and row.user_id == user.id
        and row.used_at is None
        and row.expires_at > utcnow()
    )
    if not usable or user is None or row is None:
        audit.record(
            session,
            actor=None,
            action="password_reset",
            resource_type="User",
            patient_id=None,
            outcome=AuditOutcome.denied,
            detail=f"reset code refused for {username[:64]!r}",
        )
        raise InvalidInput("the reset code is not valid (wrong, used or expired)", field="code")
    first_password = not has_password(user.password_hash)
    _set_password(session, user, new_password, field="new_password")
    row.used_at = utcnow()
    audit.record(
        session,
        actor=Actor.of(user),
        action="password_reset",
        resource_type="User",
        patient_id=None,
        resource_id=user.id,
        detail=(
            "chose their first password with a one-time setup code"
            if first_password
            else "set a new password with a one-time reset code"
        ),
    )
    return user
