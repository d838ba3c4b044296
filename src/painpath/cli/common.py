"""What every command shares: settings, console output and one-line errors for expected failures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, cast

import typer

if TYPE_CHECKING:
    from pydantic import ValidationError
    from rich.console import Console

    from painpath.config import Settings
    from painpath.kit.limits import InputLimits

#: Database drivers an optional extra installs; a missing one is a setup problem, not a bug.
OPTIONAL_DRIVERS = frozenset({"psycopg", "psycopg2"})


class CliError(Exception):
    """An expected failure: printed as one line on stderr, exit status 1."""


def console() -> Console:
    from rich.console import Console

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


def _loaded(module: str, name: str) -> type[BaseException] | None:
    """An exception class, if its (slow to import) module is already loaded.

    A command that never touched SQLAlchemy, pydantic or Alembic cannot raise their errors, so
    the CLI looks them up instead of importing them at start-up: `painpath pgx call` stays fast.
    """
    loaded = sys.modules.get(module)
    found = getattr(loaded, name, None) if loaded is not None else None
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def _explain(error: Exception) -> str | None:
    """The one-line message for an expected error from a library, or None for a bug."""
    if isinstance(error, CliError):
        return str(error)
    service_error = _loaded("painpath.services.errors", "ServiceError")
    if service_error is not None and isinstance(error, service_error):
        return str(getattr(error, "detail", error))
    too_large = _loaded("painpath.kit.limits", "LimitExceeded")
    if too_large is not None and isinstance(error, too_large):
        return f"{error}; set {getattr(error, 'setting', 'the limit')} to allow more"
    insecure = _loaded("painpath.config", "InsecureConfigurationError")
    if insecure is not None and isinstance(error, insecure):
        return str(error)
    validation = _loaded("pydantic_core", "ValidationError")
    if validation is not None and isinstance(error, validation):
        return describe_validation(cast("ValidationError", error))
    dbapi = _loaded("sqlalchemy.exc", "DBAPIError")
    if dbapi is not None and isinstance(error, dbapi):
        return f"database error: {_first_line(error)}"
    bad_url = _loaded("sqlalchemy.exc", "ArgumentError")
    if bad_url is not None and isinstance(error, bad_url):
        return f"invalid database URL: {error}"
    if isinstance(error, ModuleNotFoundError) and error.name in OPTIONAL_DRIVERS:
        return f"the database driver {error.name} is not installed (scripts/setup.sh postgres)"
    migration = _loaded("alembic.util.exc", "CommandError")
    if migration is not None and isinstance(error, migration):
        return f"migration failed: {error}"
    return None


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn expected errors into `error: …` on stderr and exit status 1, with no traceback."""
    try:
        yield
    except Exception as error:
        message = _explain(error)
        if message is None:
            raise
        fail(message)


def load_settings() -> Settings:
    """Settings from PAINPATH_* variables, read afresh for every command."""
    from pydantic import ValidationError

    from painpath.config import Settings

    try:
        return Settings()
    except ValidationError as error:
        raise CliError(f"invalid PAINPATH_* setting: {describe_validation(error)}") from error


def input_limits() -> InputLimits:
    """What reading one input file may cost, from the PAINPATH_MAX_* settings. Built here by
    field name, not through painpath.services.input_limits: importing painpath.services costs
    ≈ 0.5 s (SQLAlchemy and the use cases), paid by every `pgx batch` and pgx-cohort start."""
    from dataclasses import fields

    from painpath.kit.limits import InputLimits

    settings = load_settings()
    return InputLimits(**{f.name: getattr(settings, f.name) for f in fields(InputLimits)})


def refuse_in_production(settings: Settings, what: str) -> None:
    from painpath.config import Environment

    if settings.environment is Environment.production:
        raise CliError(f"{what} is refused when PAINPATH_ENVIRONMENT=production")
