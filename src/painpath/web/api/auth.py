"""Sign in and out (browser sessions), bearer tokens, passwords and re-authentication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from painpath import audit
from painpath.schemas.accounts import (
    LoginRequest,
    PasswordChange,
    PasswordReset,
    Reauthentication,
    SessionInfo,
    TokenResponse,
    UserRead,
)
from painpath.services.errors import InvalidInput, TooManyAttempts
from painpath.services.identity import accounts, login_throttle, sessions
from painpath.web.deps import (
    SESSION_ID_KEY,
    ActorDep,
    RecentActorDep,
    SessionDep,
    SettingsDep,
    request_credential,
)
from painpath.web.login_flow import (
    LoginStatus,
    audit_reauthentication,
    check_password,
    check_second_factor,
    client_address,
    open_browser_session,
    signed_in,
    status_after_password,
    throttle_policy,
)
from painpath.web.problems import problem

router = APIRouter(prefix="/auth", tags=["auth"])


def _refused(request: Request, detail: str = "invalid username or password") -> JSONResponse:
    # Returned, not raised, so the failed attempt is committed and counts toward the limit.
    return problem(
        401,
        "Not authenticated",
        detail,
        instance=request.url.path,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _too_many(request: Request, error: TooManyAttempts) -> JSONResponse:
    return problem(
        429,
        error.title,
        error.detail,
        instance=request.url.path,
        headers={"Retry-After": str(error.retry_after_seconds)},
    )


@router.post("/login", response_model=SessionInfo, responses={401: {}, 429: {}})
def login(
    request: Request, body: LoginRequest, session: SessionDep, settings: SettingsDep
) -> SessionInfo | JSONResponse:
    """Start a browser session (HttpOnly SameSite cookie); returns the CSRF token to send back.

    `status` says whether the session is complete or waits for a second factor (send it to
    POST /api/auth/mfa/verify, or in `otp` here) or for MFA enrollment.
    """
    try:
        user = check_password(
            request, session, settings, username=body.username, password=body.password
        )
        if user is None:
            return _refused(request)
        status = status_after_password(user, settings)
        slots = 1
        if status is LoginStatus.mfa_required and body.otp:
            if not check_second_factor(request, session, settings, user=user, code=body.otp):
                return _refused(request, "the second-factor code is not right")
            status, slots = LoginStatus.complete, 2
    except TooManyAttempts as error:
        return _too_many(request, error)
    signed_in(request, session, user=user, slots=slots)
    csrf = open_browser_session(request, session, settings, user=user, status=status)
    return SessionInfo(user=UserRead.model_validate(user), csrf_token=csrf, status=status.value)


@router.post("/logout", status_code=204)
def logout(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    everywhere: Annotated[bool, Query(description="End every session and token of yours")] = False,
) -> Response:
    """End this session (on the server: a copy of the cookie stops working too) or token."""
    credential = request_credential(request)
    if everywhere:
        sessions.end_every_credential(session, user_id=actor.user_id)
    elif credential.kind == "token":
        authorization = request.headers.get("authorization", "")
        accounts.revoke_token(session, authorization.partition(" ")[2].strip())
    else:
        sessions.end_session(session, str(request.session.get(SESSION_ID_KEY, "")))
    request.session.clear()
    audit.record(
        session,
        actor=actor,
        action="logout",
        resource_type="Session",
        patient_id=None,
        detail="every session and token" if everywhere else f"this {credential.kind}",
    )
    return Response(status_code=204)


@router.post("/token", response_model=TokenResponse, responses={401: {}, 403: {}, 429: {}})
def token(
    request: Request, body: LoginRequest, session: SessionDep, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange a username, password (and `otp`, when the account has a second factor) for a
    bearer token."""
    try:
        user = check_password(
            request, session, settings, username=body.username, password=body.password
        )
        if user is None:
            return _refused(request)
        status = status_after_password(user, settings)
        if status is LoginStatus.mfa_enrollment_required:
            return problem(
                403,
                "Forbidden",
                "enroll a second factor (sign in with a browser) before requesting tokens",
                instance=request.url.path,
            )
        if status is LoginStatus.mfa_required:
            if not body.otp:
                return _refused(request, "this account needs a second factor: send it in `otp`")
            if not check_second_factor(request, session, settings, user=user, code=body.otp):
                return _refused(request, "the second-factor code is not right")
    except TooManyAttempts as error:
        return _too_many(request, error)
    signed_in(request, session, user=user, slots=2 if body.otp else 1)
    value, expires_at = accounts.issue_token(session, user=user, minutes=settings.token_minutes)
    return TokenResponse(access_token=value, expires_at=expires_at)


@router.get("/me", response_model=UserRead)
def me(actor: ActorDep, session: SessionDep) -> UserRead:
    user = accounts.active_user(session, actor.user_id)
    return UserRead.model_validate(user)


@router.post("/password", response_model=SessionInfo, responses={422: {}})
def change_password(
    request: Request,
    body: PasswordChange,
    actor: RecentActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> SessionInfo:
    """Change your own password. Every session and token of yours ends; a browser gets a new
    session (and CSRF token) at once, a bearer token must be requested again."""
    user = accounts.change_own_password(
        session, actor=actor, current=body.current_password, new=body.new_password
    )
    if request_credential(request).kind == "token":
        return SessionInfo(user=UserRead.model_validate(user), csrf_token="", status="signed_out")
    csrf = open_browser_session(request, session, settings, user=user, status=LoginStatus.complete)
    return SessionInfo(user=UserRead.model_validate(user), csrf_token=csrf)


@router.post("/password-reset", status_code=204, response_model=None, responses={422: {}, 429: {}})
def reset_password(
    request: Request, body: PasswordReset, session: SessionDep, settings: SettingsDep
) -> Response:
    """Set your own password with the one-time code an administrator gave you (public)."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    address = client_address(request)
    refusal = login_throttle.take_slot(
        engine,
        throttle_policy(settings),
        username=body.username[:64],
        address=address,
    )
    if refusal is not None:
        error = TooManyAttempts(
            f"too many attempts; try again in {refusal.retry_after_seconds} seconds",
            retry_after_seconds=refusal.retry_after_seconds,
        )
        return _too_many(request, error)
    try:
        accounts.redeem_reset_code(
            session, username=body.username, code=body.code, new_password=body.new_password
        )
    except InvalidInput as error:
        # Returned, not raised: the refusal's audit event is committed.
        return problem(
            422,
            error.title,
            error.detail,
            instance=request.url.path,
            errors=[{"field": error.field, "message": error.detail}],
        )
    login_throttle.give_back(session, username=body.username[:64], address=address)
    request.session.clear()
    return Response(status_code=204)


@router.post("/reauthenticate", status_code=204, response_model=None, responses={401: {}, 429: {}})
def reauthenticate(
    request: Request,
    body: Reauthentication,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Confirm your password (and second factor) to unlock sensitive actions for
    `PAINPATH_REAUTH_MINUTES`. Browser sessions only: a bearer client requests a new token."""
    if request_credential(request).kind == "token":
        raise InvalidInput(
            "bearer tokens re-authenticate by requesting a new token", field="password"
        )
    try:
        user = check_password(
            request, session, settings, username=actor.username, password=body.password
        )
        if (
            user is not None
            and user.mfa_enabled
            and not (
                body.otp
                and check_second_factor(request, session, settings, user=user, code=body.otp)
            )
        ):
            user = None
    except TooManyAttempts as error:
        return _too_many(request, error)
    audit_reauthentication(session, actor, succeeded=user is not None)
    if user is None:
        return _refused(request, "the password or second-factor code is not right")
    signed_in(request, session, user=user, slots=2 if user.mfa_enabled else 1)
    sessions.mark_authenticated(session, sid=str(request.session.get(SESSION_ID_KEY, "")))
    return Response(status_code=204)
