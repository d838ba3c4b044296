"""Helpers for the demo and CLI tests: seed a database, count rows, snapshot whole tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from painpath.db.base import Base
from painpath.db.engine import make_engine, make_session_factory
from painpath.demo import SeedReport, seed_demo
from painpath.services.transaction import unit_of_work

#: A fixed end of the timeline, so seeded databases compare equal on any day.
AS_OF = date(2026, 11, 1)

#: Columns that legitimately differ between two seedings of the same cohort.
#: Times, salted hashes, and the audit chain's hashes (which cover the times).
VOLATILE_COLUMNS = frozenset(
    {"created_at", "updated_at", "recorded_at", "password_hash", "previous_hash", "event_hash"}
)


def seed_into(url: str, *, patients: int = 20, seed: int = 42) -> SeedReport:
    engine = make_engine(url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            return seed_demo(session, patients=patients, seed=seed, as_of=AS_OF)
    finally:
        engine.dispose()


def count(url: str, model: Any) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(model.__table__)) or 0
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by primary key, without the volatile columns."""
    engine = make_engine(url)
    tables: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
                rows = connection.execute(select(*columns).order_by(*table.primary_key)).all()
                tables[table.name] = [tuple(row) for row in rows]
    finally:
        engine.dispose()
    return tables
