"""FastAPI dependencies: the request's transaction, the authenticated actor, patient access."""

from __future__ import annotations

import functools
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Annotated

import anyio
from anyio import to_thread
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
from painpath.services import transaction
from painpath.services.access import PatientAccess, authorize, open_patient
from painpath.services.errors import AccessDenied, NotAuthenticated, ReauthenticationRequired
from painpath.services.identity import accounts, sessions
from painpath.web.hop import ENDED, Deferred, end_failed

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


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's transaction: opened here on the event loop (a session connects on its first
    statement, so this does no I/O) and ended in one worker-thread hop, committed or rolled back
    and audited (`services.transaction`); a plain generator would take two hops, in and out.
    A `web.hop.one_hop` endpoint ends it in its own hop instead, and then this takes none.

    The end runs shielded from cancellation and outside the shared thread limit, as FastAPI
    runs a generator dependency's exit: a request holding a pooled connection must never wait
    for a worker thread that requests waiting for a connection hold (issue 15).
    """
    session = request.app.state.session_factory()
    try:
        yield session
    except BaseException as error:
        if not session.info.get(ENDED):
            with anyio.CancelScope(shield=True):
                await to_thread.run_sync(end_failed, session, error, limiter=_own_limiter())
        raise
    if not session.info.get(ENDED):
        with anyio.CancelScope(shield=True):
            await to_thread.run_sync(transaction.commit, session, limiter=_own_limiter())


def _own_limiter() -> anyio.CapacityLimiter:
    """A limiter of its own for one call: the call gets a thread whatever the others hold."""
    return anyio.CapacityLimiter(1)


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
    not signed in here; only the MFA routes accept it (`pending_login`). Resolved once per
    request (remembered in `request.state`), whichever dependency asks first.
    """
    if hasattr(request.state, "actor"):
        known: Actor | None = request.state.actor
        return known
    actor = _caller(request, session)
    request.state.actor = actor
    return actor


INVALID_TOKEN = "the bearer token is invalid, expired or revoked"


def _bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header, if the request sends one."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials else None


def _caller(request: Request, session: Session) -> Actor | None:
    token = _bearer_token(request)
    if token is not None:
        found_token = accounts.live_token(session, token)
        if found_token is None:
            raise NotAuthenticated(INVALID_TOKEN)
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
    return _signed_in(actor, session)


def _signed_in(actor: Actor | None, session: Session) -> Actor:
    if actor is None:
        raise NotAuthenticated("log in or send a bearer token")
    audit.note_actor(session, actor)  # names the actor in the audit row of a later refusal
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


async def hop_actor(request: Request, session: SessionDep) -> Deferred[Actor]:
    """`current_actor` for a `web.hop.one_hop` endpoint: resolved first in the endpoint's hop
    (the endpoint still receives an `Actor`), not in a hop of its own."""
    return Deferred(session, lambda: _signed_in(optional_actor(request, session), session))


#: The caller, for a `web.hop.one_hop` endpoint.
HopActorDep = Annotated[Actor, Depends(hop_actor)]


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

    The audited resource id is the last `*_id` path parameter after patient_id, if any. The
    caller is resolved here too rather than by an `ActorDep` sub-dependency: one worker-thread
    hop for the token check and the patient read instead of two, and for a bearer token one
    statement for the token, its user, the patient and the care-team scope (issue 15).
    """

    def dependency(
        request: Request,
        patient_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
        session: SessionDep,
    ) -> PatientAccess:
        action = ACTION_BY_METHOD.get(request.method, request.method.lower())
        resource_id = path_resource_id(request)
        token = None if hasattr(request.state, "actor") else _bearer_token(request)
        if token is None:
            return open_patient(
                session,
                actor=_signed_in(optional_actor(request, session), session),
                patient_id=patient_id,
                permission=permission,
                action=action,
                resource_type=resource_type,
                resource_id=resource_id,
            )
        found = accounts.live_token_with_patient(session, token, patient_id)
        if found is None:
            raise NotAuthenticated(INVALID_TOKEN)
        request.state.actor, request.state.credential = found.actor, found.credential
        return authorize(
            session,
            actor=_signed_in(found.actor, session),
            patient=found.patient,
            in_scope=found.in_scope,
            patient_id=patient_id,
            permission=permission,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
        )

    return dependency


def access(permission: Permission, resource_type: str) -> object:
    """Annotated metadata: `access: Annotated[PatientAccess, access(perm, "Condition")]`."""
    return Depends(patient_access(permission, resource_type))


def hop_access(permission: Permission, resource_type: str) -> object:
    """`access` for a `web.hop.one_hop` endpoint: the gate runs first in the endpoint's hop
    (the endpoint still receives a `PatientAccess`), not in a hop of its own."""
    gate = patient_access(permission, resource_type)

    async def dependency(
        request: Request,
        patient_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
        session: SessionDep,
    ) -> Deferred[PatientAccess]:
        return Deferred(session, functools.partial(gate, request, patient_id, session))

    return Depends(dependency)
