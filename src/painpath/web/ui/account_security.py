"""Pages for one's own sign-in: the second-factor step, TOTP enrollment, recovery codes,
changing one's password, re-authentication, and redeeming an administrator's reset code."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from painpath.auth import totp
from painpath.auth.actor import Actor
from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.models.credentials import AuthSession
from painpath.models.user import User
from painpath.services.errors import InvalidInput, TooManyAttempts
from painpath.services.identity import accounts, login_throttle, mfa, sessions
from painpath.web.deps import (
    SESSION_ID_KEY,
    SessionDep,
    SettingsDep,
    cookie_session,
    csrf_is_valid,
)
from painpath.web.login_flow import (
    LoginStatus,
    audit_reauthentication,
    check_password,
    check_second_factor,
    client_address,
    complete_sign_in,
    open_browser_session,
    signed_in,
    throttle_policy,
)
from painpath.web.ui.deps import FormExpired, home_path, safe_next
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _sid(request: Request) -> str:
    return str(request.session.get(SESSION_ID_KEY, ""))


# The sign-in's second step ----------------------------------------------------------------


def _waiting_for_code(request: Request, session: Session) -> tuple[AuthSession, User] | None:
    found = cookie_session(request, session)
    if found is None or found[0].mfa_satisfied or not found[1].mfa_enabled:
        return None
    return found


@router.get("/login/mfa")
def code_form(
    request: Request,
    session: SessionDep,
    next_path: Annotated[str | None, Query(alias="next", max_length=300)] = None,
) -> Response:
    if _waiting_for_code(request, session) is None:
        return _see_other("/login")
    return _code_page(request, next_path=safe_next(next_path) or "")


def _code_page(
    request: Request, *, next_path: str, error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "login_mfa.html",
        viewer=None,
        status_code=status_code,
        next_path=next_path,
        error=error,
    )


@router.post("/login/mfa")
def check_code(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    otp: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = "",
) -> Response:
    target = safe_next(next_path)
    found = _waiting_for_code(request, session)
    if found is None:
        return _see_other("/login")
    if not csrf_is_valid(request, csrf_token):
        raise FormExpired("the form has expired; reload the page and try again")
    _, user = found
    try:
        accepted = check_second_factor(request, session, settings, user=user, code=otp)
    except TooManyAttempts as error:
        message = f"Too many wrong codes. Wait {error.retry_after_seconds} seconds."
        return _code_page(request, next_path=target or "", error=message, status_code=429)
    if not accepted:
        message = "That code is not right. Use the newest code, or one of your recovery codes."
        return _code_page(request, next_path=target or "", error=message, status_code=422)
    signed_in(request, session, user=user)
    complete_sign_in(session, settings, sid=_sid(request))
    return _see_other(target or home_path(Actor.of(user)))


# Account security: enrollment, recovery codes, password, re-authentication -----------------


def _account(request: Request, session: Session) -> tuple[AuthSession, User] | None:
    """A signed-in session, or one that may only enroll (MFA enforced, not yet enrolled)."""
    found = cookie_session(request, session)
    if found is None:
        return None
    row, user = found
    if row.mfa_satisfied or not user.mfa_enabled:
        return found
    return None


def _recent(row: AuthSession, settings: Settings) -> bool:
    return row.authenticated_at >= utcnow() - timedelta(minutes=settings.reauth_minutes)


def _account_page(
    request: Request,
    session: Session,
    settings: Settings,
    found: tuple[AuthSession, User],
    *,
    enrollment: tuple[str, str] | None = None,
    recovery_codes: list[str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    row, user = found
    viewer = Viewer(actor=Actor.of(user), display_name=user.display_name)
    return render(
        request,
        "account_security.html",
        viewer=viewer if row.mfa_satisfied else None,
        signed_in=True,
        status_code=status_code,
        user=user,
        complete=row.mfa_satisfied,
        recent=_recent(row, settings),
        mfa_required=user.role in mfa.MFA_ROLES and settings.mfa_enforced,
        recovery_codes_left=mfa.recovery_codes_left(session, user=user),
        enrollment=enrollment,
        recovery_codes=recovery_codes,
        error=error,
        reauth_minutes=settings.reauth_minutes,
    )


def _form_account(
    request: Request, session: Session, csrf_token: str
) -> tuple[AuthSession, User] | None:
    found = _account(request, session)
    if found is not None and not csrf_is_valid(request, csrf_token):
        raise FormExpired("the form has expired; reload the page and try again")
    return found


@router.get("/account/security")
def account_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    found = _account(request, session)
    if found is None:
        return _see_other("/login?next=" + quote("/account/security", safe="/"))
    return _account_page(request, session, settings, found)


@router.post("/account/mfa/enrollment")
def start_enrollment(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    found = _form_account(request, session, csrf_token)
    if found is None:
        return _see_other("/login")
    row, user = found
    if row.mfa_satisfied and not _recent(row, settings):
        return _account_page(
            request, session, settings, found, error="Confirm your password first.", status_code=403
        )
    enrollment = mfa.begin_enrollment(session, user=user)
    return _account_page(request, session, settings, found, enrollment=enrollment)


@router.post("/account/mfa/confirm")
def confirm_enrollment(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    otp: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    found = _form_account(request, session, csrf_token)
    if found is None:
        return _see_other("/login")
    _, user = found
    try:
        codes = mfa.confirm_enrollment(session, user=user, code=otp)
    except InvalidInput as error:
        secret = user.totp_secret or ""
        pending = (secret, totp.provisioning_uri(secret, user.username))
        return _account_page(
            request, session, settings, found, enrollment=pending, error=error.detail.capitalize(),
            status_code=422,
        )  # fmt: skip
    complete_sign_in(session, settings, sid=_sid(request))
    session.refresh(found[0])
    return _account_page(request, session, settings, found, recovery_codes=codes)


@router.post("/account/mfa/recovery-codes")
def renew_recovery_codes(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    found = _form_account(request, session, csrf_token)
    if found is None or not found[0].mfa_satisfied or not found[1].mfa_enabled:
        return _see_other("/login")
    if not _recent(found[0], settings):
        return _account_page(
            request, session, settings, found, error="Confirm your password first.", status_code=403
        )
    codes = mfa.new_recovery_codes(session, user=found[1])
    return _account_page(request, session, settings, found, recovery_codes=codes)


@router.post("/account/reauthenticate")
def reauthenticate(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    password: Annotated[str, Form(max_length=256)] = "",
    otp: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    found = _form_account(request, session, csrf_token)
    if found is None or not found[0].mfa_satisfied:
        return _see_other("/login")
    _, user = found
    try:
        checked = check_password(
            request, session, settings, username=user.username, password=password
        )
        if (
            checked is not None
            and checked.mfa_enabled
            and not (
                otp and check_second_factor(request, session, settings, user=checked, code=otp)
            )
        ):
            checked = None
    except TooManyAttempts as error:
        message = f"Too many attempts. Wait {error.retry_after_seconds} seconds."
        return _account_page(request, session, settings, found, error=message, status_code=429)
    audit_reauthentication(session, Actor.of(user), succeeded=checked is not None)
    if checked is None:
        message = "The password or code is not right."
        return _account_page(request, session, settings, found, error=message, status_code=422)
    signed_in(request, session, user=checked, slots=2 if checked.mfa_enabled else 1)
    sessions.mark_authenticated(session, sid=_sid(request))
    request.session["flash"] = f"Confirmed for the next {settings.reauth_minutes} minutes."
    return _see_other("/account/security")


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current_password: Annotated[str, Form(max_length=256)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    found = _form_account(request, session, csrf_token)
    if found is None or not found[0].mfa_satisfied:
        return _see_other("/login")
    row, user = found
    if not _recent(row, settings):
        message = "Confirm your password first."
        return _account_page(request, session, settings, found, error=message, status_code=403)
    try:
        accounts.change_own_password(
            session, actor=Actor.of(user), current=current_password, new=new_password
        )
    except InvalidInput as error:
        message = error.detail[:1].upper() + error.detail[1:] + "."
        return _account_page(request, session, settings, found, error=message, status_code=422)
    open_browser_session(request, session, settings, user=user, status=LoginStatus.complete)
    request.session["flash"] = "Password changed. Every other session of yours has ended."
    return _see_other("/account/security")


# Redeeming a reset code (public) -----------------------------------------------------------


@router.get("/reset-password")
def reset_form(request: Request) -> Response:
    return render(request, "reset_password.html", viewer=None, username="", error=None)


@router.post("/reset-password")
def reset(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Set one's password with an administrator's one-time code (throttled like a login)."""
    username = username.strip()
    if not csrf_is_valid(request, csrf_token):
        raise FormExpired("the form has expired; reload the page and try again")

    def again(message: str, status_code: int) -> Response:
        return render(
            request,
            "reset_password.html",
            viewer=None,
            status_code=status_code,
            username=username,
            error=message,
        )

    engine = session.get_bind()
    assert isinstance(engine, Engine)
    refusal = login_throttle.take_slot(
        engine,
        throttle_policy(settings),
        username=username,
        address=client_address(request),
    )
    if refusal is not None:
        return again(f"Too many attempts. Wait {refusal.retry_after_seconds} seconds.", 429)
    try:
        accounts.redeem_reset_code(session, username=username, code=code, new_password=new_password)
    except InvalidInput as error:
        return again(error.detail[:1].upper() + error.detail[1:] + ".", 422)
    login_throttle.give_back(session, username=username, address=client_address(request))
    request.session.clear()
    request.session["flash"] = "Your password is set. Sign in with it."
    return _see_other("/login")
