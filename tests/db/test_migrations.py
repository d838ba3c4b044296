"""Migrations go up and down on both databases, and the models match what they build."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

import painpath.models  # noqa: F401  (registers the tables)
from painpath.db.base import Base
from painpath.db.engine import make_engine
from painpath.db.migrate import alembic_config, downgrade, upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    name = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_there_is_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_every_revision_goes_up_and_down_and_up_again(empty_database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_database_url))
    revisions = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        upgrade(empty_database_url, revision)
    downgrade(empty_database_url, "base")
    engine = make_engine(empty_database_url)
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert remaining == set()
    upgrade(empty_database_url, "head")


def test_models_match_the_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_audit_trail_is_protected_by_database_triggers(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (recorded_at, action, resource_type, outcome) "
                "VALUES (CURRENT_TIMESTAMP, 'read', 'Patient', 'success')"
            )
        )
    for statement in ("UPDATE audit_events SET outcome = 'denied'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT outcome FROM audit_events")).scalars().all() == [
            "success"
        ]
    engine.dispose()
