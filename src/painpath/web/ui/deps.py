"""Who is looking at a page, the form-post transaction, and where each role starts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, Request

from painpath.auth.actor import Actor
from painpath.models.enums import Role
from painpath.services.errors import AccessDenied, NotAuthenticated
from painpath.services.identity import accounts, sessions
from painpath.services.messaging import read_state
from painpath.web.deps import ActorDep, SessionDep, cookie_session, csrf_is_valid
from painpath.web.ui.templating import Viewer

HOME_BY_ROLE = {
    Role.patient: "/me",
    Role.clinician: "/panel",
    Role.pharmacist: "/panel",
    Role.admin: "/admin/users",
}


class FormExpired(AccessDenied):
    """A form came back without the session's CSRF token (stale tab, or a forged post)."""


def home_path(actor: Actor) -> str:
    return HOME_BY_ROLE[actor.role]


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 300 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def login_url(request: Request) -> str:
    """The login page, asking to come back to this page afterwards (GET requests only)."""
    if request.method != "GET":
        return "/login"
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='/')}"


def cookie_actor(request: Request, session: SessionDep) -> Actor | None:
    """The signed-in user of this browser session, if any (bearer tokens are for the API).

    A session still waiting for its second factor is not signed in yet.
    """
    found = cookie_session(request, session)
    if found is None or not found[0].mfa_satisfied:
        return None
    row, user = found
    request.state.credential = sessions.session_credential(row)
    return Actor.of(user)


CookieActorDep = Annotated[Actor | None, Depends(cookie_actor)]


def page_viewer(actor: ActorDep, session: SessionDep) -> Viewer:
    user = accounts.active_user(session, actor.user_id)
    return Viewer(
        actor=actor,
        display_name=user.display_name if user else actor.username,
        unread_messages=read_state.unread_total(session, actor=actor),
    )


ViewerDep = Annotated[Viewer, Depends(page_viewer)]


def form_viewer(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Viewer:
    """The signed-in user behind a form post, once the form's CSRF token checks out."""
    found = cookie_session(request, session)
    if found is None or not found[0].mfa_satisfied:
        raise NotAuthenticated("log in to continue")
    row, user = found
    if not csrf_is_valid(request, csrf_token):
        raise FormExpired("the form has expired; reload the page and try again")
    request.state.credential = sessions.session_credential(row)
    return Viewer(actor=Actor.of(user), display_name=user.display_name)


FormViewerDep = Annotated[Viewer, Depends(form_viewer)]
