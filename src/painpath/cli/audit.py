"""`painpath audit verify`: check the audit trail's hash chain and print its head."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from painpath.cli.common import CliError, console, load_settings, reported_errors
from painpath.cli.database import require_head

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


@audit_app.command("verify")
def verify(
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for scripts.")
    ] = OutputFormat.text,
    anchor: Annotated[
        str | None,
        typer.Option(
            help="ID:HASH of a head recorded earlier outside the database; it must still be "
            "in the chain, unchanged."
        ),
    ] = None,
) -> None:
    """Check every audit event's hash link; exit 1 at the first broken one.

    Events committed but not yet chained are counted and chained first; one that waited more
    than a minute is a finding (exit 1 too).

    Prints the chain's head (ID:HASH). Record it somewhere the database's administrators
    cannot write and pass it back as --anchor later: only then are a rewritten chain or a
    cut-off tail detectable.
    """
    from painpath.audit.verify import Anchor, verify_trail
    from painpath.db.engine import make_engine
    from painpath.kit.clock import utcnow

    with reported_errors():
        try:
            parsed = None if anchor is None else Anchor.parse(anchor)
        except ValueError as error:
            raise CliError(f"--anchor: {error}") from error
        url = load_settings().database_url
        require_head(url)
        engine = make_engine(url)
        try:
            report = verify_trail(engine, now=utcnow(), anchor=parsed)
        finally:
            engine.dispose()
    queue = report.queue
    if output is OutputFormat.json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        out = console()
        if queue.events:
            out.print(
                f"{queue.events} audit events were waiting to be chained (the oldest for "
                f"{queue.oldest_seconds:g} s); chained now"
            )
        if queue.stale:
            out.print(
                "FINDING: an event waited more than a minute to be chained: a server stopped "
                "between a commit and chaining it, or chaining fails (see the server log). "
                "Until chained, such events could have been changed without breaking the chain."
            )
        if report.intact:
            out.print(f"audit chain intact: {report.events_checked} events")
            out.print(f"head: {report.head_id}:{report.head_hash}")
        else:
            out.print(f"audit chain BROKEN at event {report.broken_at}: {report.reason}")
            out.print(f"last intact event: {report.head_id}:{report.head_hash}")
    if not report.intact or queue.stale:
        raise typer.Exit(1)
