"""The steps of signing in shared by the JSON API and the pages: password, throttle, second factor.

A browser session is created after the password; it is complete at once, or waits for a TOTP
code ("mfa_required") or, where MFA is enforced for staff, for enrollment
("mfa_enrollment_required"). Second-factor codes are throttled like passwords.
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.config import Settings
from painpath.models.audit_event import AuditOutcome
from painpath.models.user import User
from painpath.services.errors import TooManyAttempts
from painpath.services.identity import accounts, login_throttle, mfa, sessions
from painpath.services.identity.login_throttle import ThrottlePolicy
from painpath.web.deps import begin_browser_session


class LoginStatus(StrEnum):
    complete = "complete"
    mfa_required = "mfa_required"
    mfa_enrollment_required = "mfa_enrollment_required"


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        free_pair=settings.login_max_failures,
        free_account=settings.login_account_max_failures,
        free_address=settings.login_address_max_failures,
        window_seconds=settings.login_window_seconds,
        max_delay_seconds=settings.login_max_delay_seconds,
    )


def client_address(request: Request) -> str:
    """The connecting address (a trusted proxy's X-Forwarded-For was applied by middleware)."""
    return (request.client.host if request.client else "unknown")[:64]


def check_password(
    request: Request, session: Session, settings: Settings, *, username: str, password: str
) -> User | None:
    return accounts.authenticate(
        session,
        username=username,
        password=password,
        client_address=client_address(request),
        policy=throttle_policy(settings),
    )


def check_second_factor(
    request: Request, session: Session, settings: Settings, *, user: User, code: str
) -> bool:
    """A TOTP or recovery code, behind the same throttle as passwords (`signed_in` gives the
    slots back)."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    refusal = login_throttle.take_slot(
        engine, throttle_policy(settings), username=user.username, address=client_address(request)
    )
    if refusal is not None:
        raise TooManyAttempts(
            f"too many wrong codes; try again in {refusal.retry_after_seconds} seconds",
            retry_after_seconds=refusal.retry_after_seconds,
        )
    return mfa.verify(session, user=user, code=code)


def signed_in(request: Request, session: Session, *, user: User, slots: int = 1) -> None:
    """The password (and code) were right: give their throttle slots back. Call it after the
    last check of the request (see `login_throttle.give_back`)."""
    login_throttle.give_back(
        session, username=user.username, address=client_address(request), slots=slots
    )


def status_after_password(user: User, settings: Settings) -> LoginStatus:
    if user.mfa_enabled:
        return LoginStatus.mfa_required
    if mfa.must_enroll(user, enforced=settings.mfa_enforced):
        return LoginStatus.mfa_enrollment_required
    return LoginStatus.complete


def open_browser_session(
    request: Request, session: Session, settings: Settings, *, user: User, status: LoginStatus
) -> str:
    """Start the server-side session and put it in a fresh cookie; returns the CSRF token.

    A session waiting for its second factor (or enrollment) lives `reauth_minutes` until
    `complete_sign_in` gives it the full `session_minutes`.
    """
    complete = status is LoginStatus.complete
    sid = sessions.start_session(
        session,
        user=user,
        minutes=settings.session_minutes if complete else settings.reauth_minutes,
        mfa_satisfied=complete,
    )
    return begin_browser_session(request, sid)


def complete_sign_in(session: Session, settings: Settings, *, sid: str) -> None:
    """The second factor was given (or enrolled): the session is complete and lives in full."""
    sessions.mark_authenticated(session, sid=sid, lifetime_minutes=settings.session_minutes)


def audit_reauthentication(session: Session, actor: Actor, *, succeeded: bool) -> None:
    audit.record(
        session,
        actor=actor,
        action="reauthenticate",
        resource_type="Session",
        patient_id=None,
        outcome=AuditOutcome.success if succeeded else AuditOutcome.denied,
    )
