"""Log in and out (browser sessions) and issue bearer tokens (API clients)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from painpath.config import Settings
from painpath.models.user import User
from painpath.schemas.accounts import LoginRequest, SessionInfo, TokenResponse, UserRead
from painpath.services import accounts
from painpath.web.deps import ActorDep, SessionDep, SettingsDep, ensure_csrf_token
from painpath.web.problems import problem

router = APIRouter(prefix="/auth", tags=["auth"])


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refused(request: Request) -> JSONResponse:
    # Returned, not raised, so the failed attempt is committed and counts toward the limit.
    return problem(
        401,
        "Not authenticated",
        "invalid username or password",
        instance=request.url.path,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _check_password(
    request: Request, body: LoginRequest, session: Session, settings: Settings
) -> User | None:
    return accounts.authenticate(
        session,
        username=body.username,
        password=body.password,
        client_address=_client_address(request),
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
    )


@router.post("/login", response_model=SessionInfo, responses={401: {}, 429: {}})
def login(
    request: Request, body: LoginRequest, session: SessionDep, settings: SettingsDep
) -> SessionInfo | JSONResponse:
    """Start a browser session (HttpOnly SameSite cookie); returns the CSRF token to send back."""
    user = _check_password(request, body, session, settings)
    if user is None:
        return _refused(request)
    request.session.clear()
    request.session["user_id"] = user.id
    csrf = ensure_csrf_token(request)
    return SessionInfo(user=UserRead.model_validate(user), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        accounts.revoke_token(session, authorization[7:].strip())
    request.session.clear()
    return Response(status_code=204)


@router.post("/token", response_model=TokenResponse, responses={401: {}, 429: {}})
def token(
    request: Request, body: LoginRequest, session: SessionDep, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange a username and password for a bearer token."""
    user = _check_password(request, body, session, settings)
    if user is None:
        return _refused(request)
    value, expires_at = accounts.issue_token(session, user=user, minutes=settings.token_minutes)
    return TokenResponse(access_token=value, expires_at=expires_at)


@router.get("/me", response_model=UserRead)
def me(actor: ActorDep, session: SessionDep) -> UserRead:
    user = accounts.active_user(session, actor.user_id)
    return UserRead.model_validate(user)
