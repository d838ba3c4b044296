from typing import Any

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
