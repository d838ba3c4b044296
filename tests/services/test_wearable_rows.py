"""The bulk path writes times exactly as SQLAlchemy stores them on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite.base import DATETIME

from painpath.services.wearables.rows import sqlite_time

BIND = DATETIME().bind_processor(sqlite.dialect())  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 1, 5, 14, 3, tzinfo=UTC),
        datetime(2026, 3, 8, 1, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 11, 1, 1, 30, 0, 5, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_sqlite_time_is_sqlalchemys_storage_format(instant: datetime) -> None:
    assert BIND is not None
    assert sqlite_time(instant) == BIND(instant.astimezone(UTC).replace(tzinfo=None))
