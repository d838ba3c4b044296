"""Signing in and out, and sending each person to their home page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from painpath.auth.actor import Actor
from painpath.models.enums import Role
from painpath.services.errors import NotAuthenticated, TooManyAttempts
from painpath.services.identity import sessions
from painpath.web.deps import (
    SESSION_ID_KEY,
    ActorDep,
    SessionDep,
    SettingsDep,
    cookie_session,
    csrf_is_valid,
    ensure_csrf_token,
)
from painpath.web.login_flow import (
    LoginStatus,
    check_password,
    open_browser_session,
    signed_in,
    status_after_password,
)
from painpath.web.ui.deps import CookieActorDep, FormExpired, home_path, safe_next
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import render

router = APIRouter(route_class=UIRoute)

WRONG_PASSWORD = "The username or password is not right. Check them and try again."
FORM_EXPIRED = "The sign-in form had expired. Please try again."


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/")
def start(actor: CookieActorDep) -> Response:
    """Signed in: your home page. Otherwise: the sign-in page."""
    return _see_other(home_path(actor) if actor else "/login")


@router.get("/login")
def login_form(
    request: Request,
    actor: CookieActorDep,
    session: SessionDep,
    next_path: Annotated[str | None, Query(alias="next", max_length=300)] = None,
) -> Response:
    if actor is not None:
        return _see_other(safe_next(next_path) or home_path(actor))
    pending = cookie_session(request, session)
    if pending is not None:  # password given, second factor (or enrollment) still to come
        target = safe_next(next_path)
        if pending[1].mfa_enabled:
            return _see_other("/login/mfa" + (f"?next={quote(target, safe='/')}" if target else ""))
        return _see_other("/account/security")
    return _login_page(request, next_path=safe_next(next_path) or "")


def _login_page(
    request: Request,
    *,
    next_path: str,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    ensure_csrf_token(request)
    return render(
        request,
        "login.html",
        viewer=None,
        status_code=status_code,
        headers=headers,
        next_path=next_path,
        username=username,
        error=error,
    )


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """Check the password; failures are returned (not raised) so the attempt is committed."""
    username = username.strip()[:64]
    target = safe_next(next_path)
    if not csrf_is_valid(request, csrf_token):
        return _login_page(
            request, next_path=target or "", username=username, error=FORM_EXPIRED, status_code=403
        )
    if not username or not password:
        return _login_page(
            request,
            next_path=target or "",
            username=username,
            error="Enter your username and password.",
            status_code=422,
        )
    try:
        user = check_password(
            request, session, settings, username=username, password=password[:256]
        )
    except TooManyAttempts as error:
        return _login_page(
            request,
            next_path=target or "",
            username=username,
            error=f"Too many failed sign-ins. Wait {_wait(error.retry_after_seconds)}, "
            "then try again.",
            status_code=429,
            headers={"Retry-After": str(error.retry_after_seconds)},
        )
    if user is None:
        return _login_page(
            request,
            next_path=target or "",
            username=username,
            error=WRONG_PASSWORD,
            status_code=422,
        )
    signed_in(request, session, user=user)
    status = status_after_password(user, settings)
    # A fresh server-side session (and CSRF token) for the signed-in user.
    open_browser_session(request, session, settings, user=user, status=status)
    if status is LoginStatus.mfa_required:
        return _see_other("/login/mfa" + (f"?next={quote(target, safe='/')}" if target else ""))
    if status is LoginStatus.mfa_enrollment_required:
        return _see_other("/account/security")
    return _see_other(target or home_path(Actor.of(user)))


def _wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """End the session on the server too: a copy of the cookie stops working. Also ends a
    sign-in still waiting for its second factor."""
    if cookie_session(request, session) is None:
        raise NotAuthenticated("log in to continue")
    if not csrf_is_valid(request, csrf_token):
        raise FormExpired("the form has expired; reload the page and try again")
    sessions.end_session(session, str(request.session.get(SESSION_ID_KEY, "")))
    request.session.clear()
    request.session["flash"] = "You have signed out."
    return _see_other("/login")


@router.get("/me")
def my_record(actor: ActorDep) -> Response:
    """A patient's own record; staff go to their home page."""
    if actor.role is Role.patient and actor.patient_id is not None:
        return _see_other(f"/patients/{actor.patient_id}")
    return _see_other(home_path(actor))
