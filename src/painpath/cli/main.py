"""The `painpath` entry point (pyproject: painpath = "painpath.cli.main:app")."""

from __future__ import annotations

from typing import Annotated

import typer

from painpath import __version__
from painpath.cli.database import db_app
from painpath.cli.demo import demo_app
from painpath.cli.opioids import opioids_app
from painpath.cli.pgx import pgx_app
from painpath.cli.serve import serve
from painpath.cli.users import users_app

app = typer.Typer(
    name="painpath",
    help="painpath: personalized, multimodal chronic-pain care.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(demo_app, name="demo")
app.add_typer(pgx_app, name="pgx")
app.add_typer(opioids_app, name="opioids")
app.command()(serve)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"painpath {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """painpath: personalized, multimodal chronic-pain care."""
