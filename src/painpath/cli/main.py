"""The `painpath` entry point (pyproject: painpath = "painpath.cli.main:app").

Sub-commands are imported only when they run: `painpath pgx call` must not pay for SQLAlchemy,
the web app and the demo cohort, which the database commands need (about 0.8 s at start-up).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    # Typer ships its own copy of click; these are the classes its commands are made of.
    from typer._click import Command, Context, HelpFormatter

from painpath import __version__

#: name -> (module, attribute, help); the attribute is a Typer app or a command function.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "analytics": (
        "painpath.cli.analytics",
        "analytics_app",
        "Population jobs on Dask: opioid-safety measures, cohort pharmacogenomics.",
    ),
    "audit": ("painpath.cli.audit", "audit_app", "The audit trail: verify its hash chain."),
    "db": ("painpath.cli.database", "db_app", "Database schema: upgrade, downgrade, current."),
    "users": ("painpath.cli.users", "users_app", "Manage accounts."),
    "demo": ("painpath.cli.demo", "demo_app", "Seed or run the synthetic demo cohort."),
    "pgx": ("painpath.cli.pgx", "pgx_app", "Pharmacogenomics: VCF or lab calls to advice."),
    "opioids": ("painpath.cli.opioids", "opioids_app", "Opioid safety per CDC 2022."),
    "care": (
        "painpath.cli.care",
        "care_app",
        "Care suggestions: guideline options per condition, personalized, with reasons.",
    ),
    "serve": ("painpath.cli.serve", "serve", "Run the web app and API."),
    "rpm": ("painpath.cli.rpm", "rpm_app", "Remote monitoring billing: RPM/RTM codes, CY 2026."),
    "wearables": (
        "painpath.cli.wearables",
        "wearables_app",
        "Import wearable exports (Apple Health, Fitbit, Open mHealth, FHIR).",
    ),
    "score": ("painpath.cli.score", "score", "Score a questionnaire: PHQ-9, ODI, PROMIS, ORT, …"),
    "monitoring": (
        "painpath.cli.monitoring",
        "monitoring_app",
        "Remote monitoring: the daily alert sweep.",
    ),
    "notify": (
        "painpath.cli.notify",
        "notify_app",
        "Notifications: send the outbox (log, or SMTP when configured).",
    ),
}


def _load(name: str) -> Command:
    module, attribute, _ = SUBCOMMANDS[name]
    target = getattr(import_module(module), attribute)
    # Plain (click-style) help, like the top level: Typer's rich help panels show every
    # option with a value type, so boolean flags read as `--dpwg <bool>` (Typer 0.29).
    holder = typer.Typer(add_completion=False, rich_markup_mode=None)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name=name)(target)
    built = typer.main.get_command(holder)
    # Typer builds a group around a sub-app, and a lone command as itself.
    return built.commands[name] if isinstance(built, TyperGroup) else built


class LazyGroup(TyperGroup):
    """A group whose sub-commands are imported on first use; `--help` lists them unimported."""

    def list_commands(self, ctx: Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *SUBCOMMANDS})

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in SUBCOMMANDS:
            return _load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][2]) for name in sorted(SUBCOMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="painpath",
    help="painpath: personalized, multimodal chronic-pain care.",
    no_args_is_help=True,
    add_completion=False,
    cls=LazyGroup,
    rich_markup_mode=None,
)


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
