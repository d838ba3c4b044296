"""Account administration: the list of users and a form to add one. No clinical data here.

An administrator never chooses a password: a new account gets a one-time setup code, an
existing one a reset code, each shown once for the person to choose their own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from painpath.auth.passwords import has_password
from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.kit.pagination import PageRequest
from painpath.models.enums import Role
from painpath.schemas.accounts import UserCreate
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.errors import ServiceError
from painpath.services.identity import accounts
from painpath.web.deps import SessionDep, SettingsDep, request_credential
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

USERS_PAGE_SIZE = 50
FIELDS = ("username", "display_name", "role", "patient_id", "npi")
# Pydantic's pattern messages quote the regex; people need the rule in words.
_PATTERN_HINTS = {
    "username": "Use 3–64 characters: lowercase letters, digits, dot, underscore or hyphen.",
    "npi": "An NPI is exactly 10 digits.",
}
_TYPE_HINTS = {
    "patient_id": "Enter the patient's record number (a whole number).",
    "role": "Choose one of the roles in the list.",
}


def _field_errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for entry in error.errors():
        location = entry.get("loc") or ("",)
        field = str(location[0]) if location[0] in FIELDS else "form"
        message = str(entry.get("msg", "This value is not valid.")).removeprefix("Value error, ")
        if entry.get("type") == "string_pattern_mismatch" and field in _PATTERN_HINTS:
            message = _PATTERN_HINTS[field]
        elif entry.get("type") in ("int_parsing", "enum") and field in _TYPE_HINTS:
            message = _TYPE_HINTS[field]
        elif entry.get("type") == "string_too_short":
            message = "This field is required."
        errors.setdefault(field, message)
    return errors


def _users_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    page: int = 1,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    reset_code: dict[str, str] | None = None,
    page_error: str | None = None,
) -> Response:
    request_page = PageRequest(limit=USERS_PAGE_SIZE, offset=(page - 1) * USERS_PAGE_SIZE)
    users, total = accounts.list_users(session, actor=viewer.actor, page=request_page)
    pages = max((total + USERS_PAGE_SIZE - 1) // USERS_PAGE_SIZE, 1)
    return render(
        request,
        "admin_users.html",
        viewer=viewer,
        status_code=status_code,
        users=users,
        awaiting_setup={user.id for user in users if not has_password(user.password_hash)},
        total=total,
        page=page,
        pages=pages,
        roles=[role.value for role in Role],
        form=form or {"role": Role.clinician.value},
        errors=errors or {},
        reset_code=reset_code,
        page_error=page_error,
    )


def _recent(request: Request, settings: Settings) -> bool:
    since = utcnow() - timedelta(minutes=settings.reauth_minutes)
    return request_credential(request).authenticated_at >= since


CONFIRM_FIRST = (
    "Account changes need a recent sign-in: confirm your password on the Sign-in security "
    "page (/account/security), then try again."
)


@router.get("/admin/users")
def list_users(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _users_page(request, session, viewer, page=page)


@router.post("/admin/users")
def add_user(
    request: Request,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    patient_id: Annotated[str, Form()] = "",
    npi: Annotated[str, Form()] = "",
) -> Response:
    """Add an account and show its one-time setup code once; on a mistake, show the form again
    with the error beside its field."""
    if not _recent(request, settings):
        return _users_page(request, session, viewer, page_error=CONFIRM_FIRST, status_code=403)
    form = {
        "username": username.strip(),
        "display_name": display_name.strip(),
        "role": role,
        "patient_id": patient_id.strip(),
        "npi": npi.strip(),
    }
    try:
        data = UserCreate.model_validate(
            {
                "username": form["username"],
                "display_name": form["display_name"],
                "role": role,
                "patient_id": form["patient_id"] or None,
                "npi": form["npi"] or None,
            }
        )
        user, code, expires_at = accounts.add_user(
            session, actor=viewer.actor, data=data, code_minutes=settings.reset_code_minutes
        )
    except ValidationError as error:
        return _users_page(
            request, session, viewer, form=form, errors=_field_errors(error), status_code=422
        )
    except ServiceError as error:
        if error.status_code == 403:
            raise
        session.rollback()
        errors = {error.field if error.field in FIELDS else "form": error.detail.capitalize()}
        return _users_page(
            request, session, viewer, form=form, errors=errors, status_code=error.status_code
        )
    shown = {
        "purpose": "setup",
        "username": user.username,
        "added": f"Added {user.role.value} account “{user.username}”.",
        "code": code,
        "expires_at": expires_at.strftime("%Y-%m-%d %H:%M"),
    }
    return _users_page(request, session, viewer, reset_code=shown)


@router.post("/admin/users/{user_id}/reset-code")
def issue_reset_code(
    request: Request,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    user_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
) -> Response:
    """A one-time password reset code, shown once on the page (never kept in the cookie)."""
    if not _recent(request, settings):
        return _users_page(request, session, viewer, page_error=CONFIRM_FIRST, status_code=403)
    try:
        code, expires_at = accounts.issue_reset_code(
            session, actor=viewer.actor, user_id=user_id, minutes=settings.reset_code_minutes
        )
    except ServiceError as error:
        if error.status_code in (403, 404):
            raise
        session.rollback()
        return _users_page(
            request, session, viewer, page_error=error.detail.capitalize(), status_code=422
        )
    user = accounts.get_user(session, actor=viewer.actor, user_id=user_id)
    shown = {
        "purpose": "reset",
        "username": user.username,
        "code": code,
        "expires_at": expires_at.strftime("%Y-%m-%d %H:%M"),
    }
    return _users_page(request, session, viewer, reset_code=shown)
