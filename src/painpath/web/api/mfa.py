"""TOTP second factor: status, enrollment, the sign-in step, recovery codes, disabling.

A browser session that has given its password but not yet its second factor (or, where MFA is
enforced, not yet enrolled) reaches these routes only; everything else answers 401 for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from painpath import audit
from painpath.auth.actor import Actor
from painpath.kit.clock import utcnow
from painpath.models.user import User
from painpath.schemas.mfa import (
    MfaCode,
    MfaEnrollment,
    MfaStatus,
    RecoveryCodes,
)
from painpath.services.errors import (
    AccessDenied,
    InvalidInput,
    NotAuthenticated,
    ReauthenticationRequired,
    TooManyAttempts,
)
from painpath.services.identity import mfa, sessions
from painpath.web.deps import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_ID_KEY,
    SessionDep,
    SettingsDep,
    cookie_session,
    csrf_is_valid,
    optional_actor,
    request_credential,
)
from painpath.web.login_flow import (
    LoginStatus,
    check_second_factor,
    complete_sign_in,
    open_browser_session,
    signed_in,
)
from painpath.web.problems import problem

router = APIRouter(prefix="/auth/mfa", tags=["auth"])


@dataclass(frozen=True, slots=True)
class MfaSubject:
    """Whose second factor a request manages, and how they are signed in."""

    user: User
    # The browser session id; None for a bearer token.
    sid: str | None
    # Password (and second factor) given recently enough for changes.
    recent: bool
    # False while the session still waits for its second factor or enrollment.
    complete: bool


def mfa_subject(request: Request, session: SessionDep, settings: SettingsDep) -> MfaSubject:
    """A complete bearer/cookie sign-in, or a browser session half-way through signing in."""
    since = utcnow() - timedelta(minutes=settings.reauth_minutes)
    actor = optional_actor(request, session)
    found = cookie_session(request, session)
    if actor is not None and found is None:  # a bearer token
        user = session.get(User, actor.user_id)
        assert user is not None
        recent_token = request_credential(request).authenticated_at >= since
        return MfaSubject(user, None, recent_token, True)
    if found is None:
        raise NotAuthenticated("log in first")
    row, user = found
    if request.method not in SAFE_METHODS and not csrf_is_valid(
        request, request.headers.get(CSRF_HEADER)
    ):
        raise AccessDenied(f"missing or wrong {CSRF_HEADER} header for a cookie session")
    recent = row.authenticated_at >= since
    if not row.mfa_satisfied and not recent:
        raise NotAuthenticated("the sign-in has expired; log in again")
    sid = request.session.get(SESSION_ID_KEY)
    return MfaSubject(user, str(sid), recent, row.mfa_satisfied)


SubjectDep = Annotated[MfaSubject, Depends(mfa_subject)]


def _require_complete_and_recent(subject: MfaSubject) -> None:
    if not subject.complete:
        raise NotAuthenticated("finish signing in (second factor) first")
    if not subject.recent:
        raise ReauthenticationRequired(
            "confirm your password first (POST /api/auth/reauthenticate)"
        )


@router.get("", response_model=MfaStatus)
def status(subject: SubjectDep, session: SessionDep, settings: SettingsDep) -> MfaStatus:
    user = subject.user
    audit.record(
        session,
        actor=Actor.of(user),
        action="read",
        resource_type="MfaStatus",
        patient_id=None,
        resource_id=user.id,
    )
    return MfaStatus(
        enabled=user.mfa_enabled,
        required=user.role in mfa.MFA_ROLES and settings.mfa_enforced,
        recovery_codes_left=mfa.recovery_codes_left(session, user=user),
        session_complete=subject.complete,
    )


@router.post("/enrollment", response_model=MfaEnrollment, status_code=201)
def begin_enrollment(subject: SubjectDep, session: SessionDep) -> MfaEnrollment:
    """A new TOTP secret for an authenticator app: type it in or scan the otpauth:// URI."""
    if subject.complete:
        _require_complete_and_recent(subject)
    elif subject.user.mfa_enabled:
        raise InvalidInput("send your current code to /api/auth/mfa/verify", field="otp")
    secret, uri = mfa.begin_enrollment(session, user=subject.user)
    return MfaEnrollment(secret=secret, otpauth_uri=uri)


@router.post("/enrollment/confirm", response_model=RecoveryCodes)
def confirm_enrollment(
    body: MfaCode, subject: SubjectDep, session: SessionDep, settings: SettingsDep
) -> RecoveryCodes:
    """Turn TOTP on with a first code; returns ten single-use recovery codes, shown once."""
    codes = mfa.confirm_enrollment(session, user=subject.user, code=body.otp)
    if subject.sid is not None:
        complete_sign_in(session, settings, sid=subject.sid)
    return RecoveryCodes(recovery_codes=codes)


@router.post("/verify", status_code=204, response_model=None, responses={401: {}, 429: {}})
def verify(
    request: Request,
    body: MfaCode,
    subject: SubjectDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response | JSONResponse:
    """The sign-in's second step: a TOTP code, or one recovery code."""
    if subject.sid is None or subject.complete:
        raise InvalidInput("this sign-in needs no second-factor step", field="otp")
    try:
        accepted = check_second_factor(request, session, settings, user=subject.user, code=body.otp)
    except TooManyAttempts as error:
        return problem(
            429,
            error.title,
            error.detail,
            instance=request.url.path,
            headers={"Retry-After": str(error.retry_after_seconds)},
        )
    if not accepted:
        return problem(401, "Not authenticated", "the code is not right", instance=request.url.path)
    signed_in(request, session, user=subject.user)
    complete_sign_in(session, settings, sid=subject.sid)
    return Response(status_code=204)


@router.post("/recovery-codes", response_model=RecoveryCodes)
def new_recovery_codes(subject: SubjectDep, session: SessionDep) -> RecoveryCodes:
    """Replace your recovery codes (the old ones stop working)."""
    _require_complete_and_recent(subject)
    if not subject.user.mfa_enabled:
        raise InvalidInput("enroll a second factor first", field="otp")
    return RecoveryCodes(recovery_codes=mfa.new_recovery_codes(session, user=subject.user))


@router.delete("", status_code=204)
def disable(
    request: Request, subject: SubjectDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Turn TOTP off. Where staff must use MFA, every session and token of theirs ends, and
    this browser gets a session that can only enroll a new device."""
    _require_complete_and_recent(subject)
    mfa.disable(session, user=subject.user)
    if mfa.must_enroll(subject.user, enforced=settings.mfa_enforced):
        sessions.end_every_credential(session, user_id=subject.user.id)
        if subject.sid is not None:
            status = LoginStatus.mfa_enrollment_required
            open_browser_session(request, session, settings, user=subject.user, status=status)
    return Response(status_code=204)
