"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, create_engine, text

from painpath.auth import passwords
from painpath.config import Environment, Settings
from painpath.db.engine import make_engine
from painpath.db.migrate import upgrade
from tests.support.cohort import Cast, build_cast
from tests.support.html_check import refuse_malformed_pages
from tests.support.postgres import PostgresCluster, PostgresUnavailable

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at its lowest cost: hashing the cast's accounts would otherwise dominate the run.

    Hash strength is tested on its own; mark a test `real_password_hashing` to keep the real cost.
    """
    if request.node.get_closest_marker("real_password_hashing"):
        return
    cheap = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", PasswordHash((cheap,)))


TEMPLATE_DB = "painpath_template"


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A server URL; PAINPATH_TEST_POSTGRES_URL, or a throwaway cluster started here."""
    given = os.environ.get("PAINPATH_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as error:
        if os.environ.get("CI"):
            raise  # CI installs PostgreSQL: its absence there is a failure, not a skip
        pytest.skip(f"PostgreSQL unavailable: {error}")
    try:
        yield cluster.url
    finally:
        cluster.stop()


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> str:
    """A migrated database that each test copies (CREATE DATABASE … TEMPLATE)."""
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}"))
        connection.execute(text(f"CREATE DATABASE {TEMPLATE_DB}"))
    admin.dispose()
    upgrade(_with_database(postgres_admin_url, TEMPLATE_DB))
    return TEMPLATE_DB


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


def _fresh_postgres(request: pytest.FixtureRequest) -> tuple[str, str]:
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    template: str = request.getfixturevalue("postgres_template")
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    admin.dispose()
    return _with_database(admin_url, name), name


def _drop_postgres(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "painpath.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url, name = _fresh_postgres(request)
    yield url
    _drop_postgres(request.getfixturevalue("postgres_admin_url"), name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        login_max_failures=5,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    from painpath.web.app import create_app

    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """The app in process; every HTML page it answers is parsed as a browser would and must
    need no repair (`tests/support/html_check.py`)."""
    with TestClient(app) as test_client:
        test_client.event_hooks["response"].append(refuse_malformed_pages)
        yield test_client


@pytest.fixture
def cast(app: FastAPI) -> Cast:
    return build_cast(app.state.session_factory)
