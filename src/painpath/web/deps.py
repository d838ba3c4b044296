"""FastAPI dependencies: the request's transaction, the authenticated actor, patient access."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.kit.pagination import MAX_PAGE_SIZE, PageRequest
from painpath.models.credentials import AuthSession
from painpath.models.user import User
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.access import PatientAccess, open_patient
from painpath.services.errors import AccessDenied, NotAuthenticated, ReauthenticationRequired
from painpath.services.identity import accounts, sessions
from painpath.services.transaction import unit_of_work

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"

ACTION_BY_METHOD = {
    "GET": "read",
    "HEAD": "read",
    "POST": "create",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in a worker
# thread, and each such hop costs a thread handoff and a turn of the event loop (issue 15: a
# record read made 8 of them). Those that touch the database stay plain functions.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# "function" scope: the transaction commits (or rolls back and audits) before the response is
# sent, so a client never sees a success whose commit then fails.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def ensure_csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def csrf_is_valid(request: Request, supplied: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and supplied and secrets.compare_digest(str(expected), supplied))


#: The cookie-session key holding the server-side session id (see services.identity.sessions).
SESSION_ID_KEY = "sid"


def begin_browser_session(request: Request, sid: str) -> str:
    """Put a new session id in a fresh cookie (and a fresh CSRF token); returns the token."""
    request.session.clear()
    request.session[SESSION_ID_KEY] = sid
    return ensure_csrf_token(request)


def cookie_session(request: Request, session: Session) -> tuple[AuthSession, User] | None:
    """The live server-side session this browser's cookie names, whatever its MFA state."""
    sid = request.session.get(SESSION_ID_KEY)
    if not isinstance(sid, str) or not sid:
        return None
    found = sessions.live_session(session, sid)
    if found is None:
        request.session.clear()  # ended or expired on the server: forget it here too
    return found


def optional_actor(request: Request, session: SessionDep) -> Actor | None:
    """Who is calling: a bearer token, else the session cookie; None when neither.

    A browser session still waiting for its second factor (or for MFA enrollment) counts as
    not signed in here; only the MFA routes accept it (`pending_login`).
    """
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        found_token = accounts.live_token(session, credentials.strip())
        if found_token is None:
            raise NotAuthenticated("the bearer token is invalid, expired or revoked")
        actor, request.state.credential = found_token
        return actor
    found = cookie_session(request, session)
    if found is None or not found[0].mfa_satisfied:
        return None
    row, user = found
    if request.method not in SAFE_METHODS and not csrf_is_valid(
        request, request.headers.get(CSRF_HEADER)
    ):
        raise AccessDenied(f"missing or wrong {CSRF_HEADER} header for a cookie session")
    request.state.credential = sessions.session_credential(row)
    return Actor.of(user)


async def current_actor(
    actor: Annotated[Actor | None, Depends(optional_actor)], session: SessionDep
) -> Actor:
    if actor is None:
        raise NotAuthenticated("log in or send a bearer token")
    audit.note_actor(session, actor)  # names the actor in the audit row of a later refusal
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def request_credential(request: Request) -> sessions.Credential:
    credential: sessions.Credential = request.state.credential
    return credential


async def recent_actor(request: Request, actor: ActorDep, settings: SettingsDep) -> Actor:
    """The actor, if they gave their password (and second factor) within `reauth_minutes`.

    Sensitive actions (password and MFA changes, account administration, break-glass) use it:
    a browser left signed in is not enough to perform them.
    """
    since = utcnow() - timedelta(minutes=settings.reauth_minutes)
    if request_credential(request).authenticated_at < since:
        raise ReauthenticationRequired(
            "confirm your password (POST /api/auth/reauthenticate, or sign in again for a new "
            f"bearer token): this action needs a sign-in from the last {settings.reauth_minutes} "
            "minutes"
        )
    return actor


RecentActorDep = Annotated[Actor, Depends(recent_actor)]


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


PageDep = Annotated[PageRequest, Depends(page_params)]


def path_resource_id(request: Request) -> str | None:
    """The last `*_id` path parameter after patient_id, for the audit trail.

    Raw path text, not yet validated: only well-formed ids go into the audit trail.
    """
    resource_ids = [
        value
        for name, value in request.path_params.items()
        if name.endswith("_id")
        and name != "patient_id"
        and value.isdigit()
        and int(value) <= MAX_ROW_ID
    ]
    return resource_ids[-1] if resource_ids else None


def patient_access(permission: Permission, resource_type: str) -> Callable[..., PatientAccess]:
    """A dependency that opens `{patient_id}` for `permission`, auditing the access or denial.

    The audited resource id is the last `*_id` path parameter after patient_id, if any.
    """

    def dependency(
        request: Request,
        patient_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
        actor: ActorDep,
        session: SessionDep,
    ) -> PatientAccess:
        return open_patient(
            session,
            actor=actor,
            patient_id=patient_id,
            permission=permission,
            action=ACTION_BY_METHOD.get(request.method, request.method.lower()),
            resource_type=resource_type,
            resource_id=path_resource_id(request),
        )

    return dependency


def access(permission: Permission, resource_type: str) -> object:
    """Annotated metadata: `access: Annotated[PatientAccess, access(perm, "Condition")]`."""
    return Depends(patient_access(permission, resource_type))
