"""Account management (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from painpath.models.enums import Role
from painpath.schemas.accounts import (
    ResetCodeRead,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)
from painpath.schemas.base import MAX_ROW_ID, Page
from painpath.services.identity import accounts
from painpath.web.deps import ActorDep, PageDep, RecentActorDep, SessionDep, SettingsDep

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("", response_model=Page[UserRead])
def list_users(
    actor: ActorDep,
    session: SessionDep,
    page: PageDep,
    role: Annotated[Role | None, Query()] = None,
) -> Page[UserRead]:
    rows, total = accounts.list_users(session, actor=actor, page=page, role=role)
    items = [UserRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=UserCreated, status_code=201)
def create_user(
    body: UserCreate, actor: RecentActorDep, session: SessionDep, settings: SettingsDep
) -> UserCreated:
    """Add an account without a password. The response carries a one-time `setup_code`
    (shown once, stored hashed, valid `PAINPATH_RESET_CODE_MINUTES`) that the person redeems
    at POST /api/auth/password-reset or /reset-password to choose their own password; the
    account cannot sign in until then. A `password` in the body is refused (422)."""
    user, code, expires_at = accounts.add_user(
        session, actor=actor, data=body, code_minutes=settings.reset_code_minutes
    )
    read = UserRead.model_validate(user)
    return UserCreated(**read.model_dump(), setup_code=code, setup_code_expires_at=expires_at)


@router.get("/{user_id}", response_model=UserRead)
def read_user(user_id: UserId, actor: ActorDep, session: SessionDep) -> UserRead:
    return UserRead.model_validate(accounts.get_user(session, actor=actor, user_id=user_id))


@router.patch("/{user_id}", response_model=UserRead)
def update_user(
    user_id: UserId, body: UserUpdate, actor: RecentActorDep, session: SessionDep
) -> UserRead:
    """Change a name, role (staff roles) or active flag; deactivation and a role change end
    every session and token of that account. Passwords are not set here: see reset-code."""
    user = accounts.update_user(session, actor=actor, user_id=user_id, data=body)
    return UserRead.model_validate(user)


@router.post("/{user_id}/reset-code", response_model=ResetCodeRead, status_code=201)
def issue_reset_code(
    user_id: UserId, actor: RecentActorDep, session: SessionDep, settings: SettingsDep
) -> ResetCodeRead:
    """A one-time code (shown once, stored hashed, valid `PAINPATH_RESET_CODE_MINUTES`) for the
    person to set their own password at POST /api/auth/password-reset or /reset-password."""
    code, expires_at = accounts.issue_reset_code(
        session, actor=actor, user_id=user_id, minutes=settings.reset_code_minutes
    )
    return ResetCodeRead(code=code, expires_at=expires_at)
