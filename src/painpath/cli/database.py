"""`painpath db …`: Alembic migrations, plus the checks other commands run before they start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from painpath.cli.common import CliError, console, load_settings, reported_errors
from painpath.db.engine import make_engine

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)

UPGRADE_HINT = "run `painpath db upgrade`"


def display_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _missing_sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database or "").expanduser()
    return None if path.exists() else path


@dataclass(frozen=True, slots=True)
class MigrationState:
    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)

    def describe(self) -> str:
        return ", ".join(self.current) or "none"


def migration_state(url: str) -> MigrationState:
    """The database's applied revision(s) and the newest the code knows."""
    # Alembic is imported when needed: it is slow to import and most commands need it once.
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from painpath.db import migrate

    heads = tuple(ScriptDirectory.from_config(migrate.alembic_config(url)).get_heads())
    if _missing_sqlite_file(url):
        return MigrationState((), heads)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return MigrationState(current, heads)


def require_head(url: str) -> None:
    """Refuse to go on unless the database exists and is migrated to the newest revision."""
    missing = _missing_sqlite_file(url)
    if missing:
        raise CliError(f"the database file {missing} does not exist; {UPGRADE_HINT}")
    state = migration_state(url)
    if not state.at_head:
        raise CliError(
            f"the database is not migrated to the newest revision (it is at {state.describe()}, "
            f"the code needs {', '.join(state.heads)}); {UPGRADE_HINT}"
        )


def upgrade_database(url: str, revision: str = "head") -> None:
    from painpath.db import migrate

    migrate.upgrade(url, revision)


def downgrade_database(url: str, revision: str) -> None:
    from painpath.db import migrate

    migrate.downgrade(url, revision)


@db_app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database up to REVISION (the newest by default)."""
    with reported_errors():
        url = load_settings().database_url
        upgrade_database(url, revision)
        state = migration_state(url)
    console().print(f"{display_url(url)}: upgraded to {state.describe()}")


@db_app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. base or -1.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Migrate the database down to REVISION. Downgrades drop tables and the data in them."""
    with reported_errors():
        url = load_settings().database_url
        if not yes and not typer.confirm(
            f"Downgrade {display_url(url)} to {revision}? Dropped tables lose their data"
        ):
            raise CliError("downgrade cancelled")
        downgrade_database(url, revision)
        state = migration_state(url)
    console().print(f"{display_url(url)}: downgraded to {state.describe()}")


@db_app.command()
def current() -> None:
    """Show the database's revision and whether it is up to date."""
    with reported_errors():
        url = load_settings().database_url
        state = migration_state(url)
    status = "up to date" if state.at_head else f"behind: {UPGRADE_HINT}"
    out = console()
    out.print(f"database: {display_url(url)}")
    out.print(f"current:  {state.describe()}")
    out.print(f"head:     {', '.join(state.heads)}")
    out.print(f"status:   {status}")
