"""Alembic environment: runs painpath's migrations against the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import painpath.models  # noqa: F401  (registers every table on Base.metadata)
from painpath.db.base import Base
from painpath.db.engine import make_engine

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("painpath migrations run online only: give a database URL")
run_migrations_online()
