from typing import Any

import pytest
from fastapi import FastAPI

from painpath.config import PUBLISHED_SECRET_KEYS
from tests.cli.helpers import Invoke, error_line

PRODUCTION_SECRET = "a-production-secret-of-more-than-32-characters"


def test_serve_runs_the_app_on_a_migrated_database(
    invoke: Invoke, served: list[dict[str, Any]]
) -> None:
    result = invoke("serve", "--host", "0.0.0.0", "--port", "8123")
    assert result.exit_code == 0, result.output
    [call] = served
    assert isinstance(call["app"], FastAPI)
    assert (call["host"], call["port"]) == ("0.0.0.0", 8123)


def test_serve_defaults_to_the_configured_host_and_port(
    invoke: Invoke, served: list[dict[str, Any]]
) -> None:
    assert invoke("serve", port="8456").exit_code == 0
    assert (served[0]["host"], served[0]["port"]) == ("127.0.0.1", 8456)


def test_production_with_the_published_secret_is_refused(
    invoke: Invoke, served: list[dict[str, Any]]
) -> None:
    result = invoke("serve", environment="production", secret_key=next(iter(PUBLISHED_SECRET_KEYS)))
    assert "PAINPATH_SECRET_KEY" in error_line(result)
    assert served == []


def test_production_with_a_real_secret_starts(invoke: Invoke, served: list[dict[str, Any]]) -> None:
    result = invoke("serve", environment="production", secret_key=PRODUCTION_SECRET)
    assert result.exit_code == 0, result.output
    assert len(served) == 1


def test_a_missing_database_file_is_refused(
    invoke_fresh: Invoke, served: list[dict[str, Any]]
) -> None:
    line = error_line(invoke_fresh("serve"))
    assert "does not exist" in line
    assert "painpath db upgrade" in line
    assert served == []


def test_a_database_behind_the_newest_migration_is_refused(
    invoke: Invoke, served: list[dict[str, Any]]
) -> None:
    assert invoke("db", "downgrade", "base", "--yes").exit_code == 0
    line = error_line(invoke("serve"))
    assert "not migrated to the newest revision" in line
    assert "painpath db upgrade" in line
    assert served == []


def test_an_unreachable_database_is_refused(
    invoke_fresh: Invoke, served: list[dict[str, Any]]
) -> None:
    result = invoke_fresh("serve", database_url="postgresql://painpath@127.0.0.1:1/none")
    assert "database error" in error_line(result)
    assert served == []


def test_serve_workers_starts_processes_that_each_build_the_app(
    invoke: Invoke, served: list[dict[str, Any]]
) -> None:
    result = invoke("serve", "--workers", "2")
    assert result.exit_code == 0, result.output
    [call] = served
    assert call["app"] == "painpath.web.asgi:app_from_environment"
    assert call["factory"] is True
    assert call["workers"] == 2


def test_serve_takes_workers_and_the_shutdown_grace_from_the_environment(
    invoke: Invoke, served: list[dict[str, Any]]
) -> None:
    assert invoke("serve", workers="3", shutdown_grace_seconds="7").exit_code == 0
    assert (served[0]["workers"], served[0]["timeout_graceful_shutdown"]) == (3, 7)


def test_one_worker_serves_the_checked_app_with_a_bounded_shutdown(
    invoke: Invoke, served: list[dict[str, Any]]
) -> None:
    assert invoke("serve").exit_code == 0
    [call] = served
    assert isinstance(call["app"], FastAPI)
    assert call["workers"] == 1
    assert call["factory"] is False
    assert call["timeout_graceful_shutdown"] == 10


def test_the_worker_factory_builds_the_app_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    from painpath.web.asgi import app_from_environment

    monkeypatch.setenv("PAINPATH_DATABASE_URL", database_url)
    app = app_from_environment()
    assert app.state.settings.database_url == database_url
