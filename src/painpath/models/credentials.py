"""Server-side credentials: browser sessions, login throttles, recovery and reset codes.

Only digests of secrets are stored (SHA-256 of 256-bit session ids and 80-bit codes: too long
to guess, so a fast hash is enough, unlike passwords).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow


class AuthSession(Base):
    """One signed-in browser. The cookie holds the session id; this row decides if it is live."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sid_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person last proved who they are (password, plus a second factor where enrolled);
    # sensitive actions need this to be recent.
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # False until the second factor is given (or, where MFA is required, enrolled): until then
    # the session reaches only the MFA step.
    mfa_satisfied: Mapped[bool] = mapped_column(default=False)


class LoginThrottle(Base):
    """Login attempts counted per key ("pair:", "account:" or "address:" + value).

    Updated by compare-and-swap on `version`, so parallel requests (and several server
    processes) each take their own slot: no two see the same count.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=0)


class RecoveryCode(Base):
    """A single-use MFA recovery code (its SHA-256)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordResetCode(Base):
    """A one-time code an administrator hands over so a person can set their own password."""

    __tablename__ = "password_reset_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
