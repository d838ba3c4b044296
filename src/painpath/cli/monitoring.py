"""`painpath monitoring …`: the daily alert sweep over every patient.

The database, services and models are imported inside the command: `painpath --help` and the
other commands do not pay for them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from painpath.cli.common import CliError, console, load_settings, reported_errors
from painpath.kit.text import counted

monitoring_app = typer.Typer(help="Remote monitoring: alert evaluation.", no_args_is_help=True)


@monitoring_app.command("evaluate")
def evaluate(
    today: Annotated[
        datetime | None,
        typer.Option(
            "--today",
            formats=["%Y-%m-%d"],
            help="Evaluate as of this day, YYYY-MM-DD [default: each patient's local today]",
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Run every alert rule for every active patient and open alerts for new episodes (audited
    as painpath itself). Exit status 1 if any patient could not be evaluated."""
    with reported_errors():
        if output not in ("text", "json"):
            raise CliError(f"--format must be text or json, not {output!r}")
        from painpath.cli.database import require_head
        from painpath.db.engine import make_engine, make_session_factory
        from painpath.services.monitoring.sweep import sweep

        url = load_settings().database_url
        require_head(url)
        engine = make_engine(url)
        try:
            report = sweep(make_session_factory(engine), today.date() if today else None)
        finally:
            engine.dispose()
    found = report.as_json()
    if output == "json":
        typer.echo(json.dumps(found, indent=2))
    else:
        rules = ", ".join(f"{rule} {n}" for rule, n in found["by_rule"].items()) or "none"
        console().print(
            f"evaluated {counted(found['patients'], 'patient')}: "
            f"{counted(found['alerts_opened'], 'alert')} opened ({rules})"
        )
        for patient_id, reason in found["failed"].items():
            console().print(f"patient {patient_id} failed: {reason}")
    if report.failed:
        raise typer.Exit(1)
