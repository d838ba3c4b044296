"""Server-side browser sessions and the revocation of every credential a person holds.

The cookie carries only a random session id; the `auth_sessions` row decides whether it is
live, so signing out, a password change or reset, a deactivation or a role change ends it on
the server — a copied cookie dies with it — and bearer tokens are revoked alongside.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from painpath.auth.codes import digest, new_session_id
from painpath.kit.clock import utcnow
from painpath.models.credentials import AuthSession
from painpath.models.user import ApiToken, User


@dataclass(frozen=True, slots=True)
class Credential:
    """What authenticated a request: a browser session row or a bearer token row."""

    kind: Literal["session", "token"]
    row_id: int
    user_id: int
    # When the person last gave their password (and second factor, if enrolled).
    authenticated_at: datetime
    mfa_satisfied: bool


def start_session(session: Session, *, user: User, minutes: int, mfa_satisfied: bool) -> str:
    """A new session for `user`; returns the id to put in the cookie (only its digest is kept)."""
    sid = new_session_id()
    now = utcnow()
    session.add(
        AuthSession(
            user_id=user.id,
            sid_sha256=digest(sid),
            created_at=now,
            authenticated_at=now,
            expires_at=now + timedelta(minutes=minutes),
            mfa_satisfied=mfa_satisfied,
        )
    )
    session.flush()
    return sid


def live_session(session: Session, sid: str) -> tuple[AuthSession, User] | None:
    """The session row and its (active) user, or None when ended, expired or unknown."""
    row = session.scalar(select(AuthSession).where(AuthSession.sid_sha256 == digest(sid)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return row, user


def session_credential(row: AuthSession) -> Credential:
    return Credential("session", row.id, row.user_id, row.authenticated_at, row.mfa_satisfied)


def token_credential(token_id: int, user_id: int, created_at: datetime) -> Credential:
    return Credential("token", token_id, user_id, created_at, True)


def end_session(session: Session, sid: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.sid_sha256 == digest(sid), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_every_credential(session: Session, *, user_id: int) -> None:
    """Revoke all browser sessions and bearer tokens of a user."""
    now = utcnow()
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def mark_authenticated(session: Session, *, sid: str, lifetime_minutes: int | None = None) -> None:
    """The person just proved who they are again (second factor, or re-authentication).

    `lifetime_minutes` completes a sign-in that waited for its second factor: the session, short
    while it waited, now lives that long.
    """
    now = utcnow()
    values: dict[str, object] = {"authenticated_at": now, "mfa_satisfied": True}
    if lifetime_minutes is not None:
        values["expires_at"] = now + timedelta(minutes=lifetime_minutes)
    session.execute(
        update(AuthSession)
        .where(AuthSession.sid_sha256 == digest(sid), AuthSession.revoked_at.is_(None))
        .values(**values)
    )


def credential_is_live(session: Session, credential: Credential) -> bool:
    """Still valid (for long-lived responses such as the alert stream)."""
    now = utcnow()
    row: AuthSession | ApiToken | None = (
        session.get(AuthSession, credential.row_id)
        if credential.kind == "session"
        else session.get(ApiToken, credential.row_id)
    )
    user = session.get(User, credential.user_id)
    return bool(
        row is not None
        and row.revoked_at is None
        and row.expires_at > now
        and user is not None
        and user.is_active
    )


CredentialKey = tuple[str, int, int]


def credential_key(credential: Credential) -> CredentialKey:
    return (credential.kind, credential.row_id, credential.user_id)


def live_credentials(session: Session, keys: Collection[CredentialKey]) -> set[CredentialKey]:
    """Which of `keys` are still valid, as `credential_is_live` decides it, in one statement per
    kind however many there are (a server process checks all its open streams at once)."""
    now = utcnow()
    live: set[CredentialKey] = set()
    for kind, model in (("session", AuthSession), ("token", ApiToken)):
        row_ids = sorted({row_id for k, row_id, _ in keys if k == kind})
        for start in range(0, len(row_ids), LIVE_CHECK_CHUNK):
            rows = session.execute(
                select(model.id, model.user_id)
                .join(User, User.id == model.user_id)
                .where(
                    model.id.in_(row_ids[start : start + LIVE_CHECK_CHUNK]),
                    model.revoked_at.is_(None),
                    model.expires_at > now,
                    User.is_active.is_(True),
                )
            )
            live.update((kind, row_id, user_id) for row_id, user_id in rows)
    return live & set(keys)


#: Ids per IN list (SQLite's default bound-parameter limit is far above this).
LIVE_CHECK_CHUNK = 500
