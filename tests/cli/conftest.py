"""Fixtures for running `painpath` against the test databases, with uvicorn stubbed out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.cli.helpers import Invoke, make_invoke


@pytest.fixture
def fresh_sqlite_url(tmp_path: Path) -> str:
    """A SQLite URL whose file does not exist yet."""
    return f"sqlite:///{tmp_path / 'fresh' / 'painpath.sqlite3'}"


@pytest.fixture
def invoke(database_url: str) -> Invoke:
    """`painpath …` against the migrated test database (SQLite and PostgreSQL)."""
    return make_invoke(database_url)


@pytest.fixture
def invoke_fresh(fresh_sqlite_url: str) -> Invoke:
    """`painpath …` against a SQLite file that does not exist yet."""
    return make_invoke(fresh_sqlite_url)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stands in for uvicorn.run and records what would have been served."""
    calls: list[dict[str, Any]] = []

    def fake_run(app: object, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls
