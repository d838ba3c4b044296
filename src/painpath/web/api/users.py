"""Account management (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from painpath.models.enums import Role
from painpath.schemas.accounts import UserCreate, UserRead, UserUpdate
from painpath.schemas.base import MAX_ROW_ID, Page
from painpath.services import accounts
from painpath.web.deps import ActorDep, PageDep, SessionDep

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


@router.post("", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, actor: ActorDep, session: SessionDep) -> UserRead:
    return UserRead.model_validate(accounts.add_user(session, actor=actor, data=body))


@router.get("/{user_id}", response_model=UserRead)
def read_user(user_id: UserId, actor: ActorDep, session: SessionDep) -> UserRead:
    return UserRead.model_validate(accounts.get_user(session, actor=actor, user_id=user_id))


@router.patch("/{user_id}", response_model=UserRead)
def update_user(
    user_id: UserId, body: UserUpdate, actor: ActorDep, session: SessionDep
) -> UserRead:
    user = accounts.update_user(session, actor=actor, user_id=user_id, data=body)
    return UserRead.model_validate(user)
