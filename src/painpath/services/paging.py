"""A page of a listing and its total in one statement (the hot API reads, issue 15)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from painpath.kit.pagination import PageRequest

Row = TypeVar("Row")


def page_with_total(
    session: Session, query: Select[Row], page: PageRequest
) -> tuple[list[Row], int]:
    """The page of the ordered `query` and how many rows the whole query has: the total rides
    on each row of the page as a window count, taken before LIMIT and OFFSET (was a count
    statement of its own). Only a page past the end, with no row to carry it, counts apart."""
    counted: Select[Any] = query.add_columns(func.count().over())
    rows = session.execute(counted.limit(page.limit).offset(page.offset)).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    if page.offset == 0:
        return [], 0
    whole = query.order_by(None).subquery()
    return [], session.scalar(select(func.count()).select_from(whole)) or 0
