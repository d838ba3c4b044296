"""What every command shares: settings, console output and one-line errors for expected failures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import ArgumentError, DBAPIError

from painpath.config import Environment, InsecureConfigurationError, Settings
from painpath.services.errors import ServiceError

#: Database drivers an optional extra installs; a missing one is a setup problem, not a bug.
OPTIONAL_DRIVERS = frozenset({"psycopg", "psycopg2"})


class CliError(Exception):
    """An expected failure: printed as one line on stderr, exit status 1."""


def console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def describe_validation(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "value"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _is_migration_error(error: Exception) -> bool:
    # Alembic is slow to import, so it is only looked up once something has imported it.
    exceptions = sys.modules.get("alembic.util.exc")
    return exceptions is not None and isinstance(error, exceptions.CommandError)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn expected errors into `error: …` on stderr and exit status 1, with no traceback."""
    try:
        yield
    except CliError as error:
        fail(str(error))
    except ServiceError as error:
        fail(error.detail)
    except InsecureConfigurationError as error:
        fail(str(error))
    except ValidationError as error:
        fail(describe_validation(error))
    except DBAPIError as error:
        fail(f"database error: {_first_line(error)}")
    except ArgumentError as error:
        fail(f"invalid database URL: {error}")
    except ModuleNotFoundError as error:
        if error.name not in OPTIONAL_DRIVERS:
            raise
        fail(f"the database driver {error.name} is not installed (scripts/setup.sh postgres)")
    except Exception as error:
        if not _is_migration_error(error):
            raise
        fail(f"migration failed: {error}")


def load_settings() -> Settings:
    """Settings from PAINPATH_* variables, read afresh for every command."""
    try:
        return Settings()
    except ValidationError as error:
        raise CliError(f"invalid PAINPATH_* setting: {describe_validation(error)}") from error


def refuse_in_production(settings: Settings, what: str) -> None:
    if settings.environment is Environment.production:
        raise CliError(f"{what} is refused when PAINPATH_ENVIRONMENT=production")
