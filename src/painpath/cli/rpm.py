"""`painpath rpm …`: the Medicare CY 2026 RPM/RTM codes a period supports.

Imports stay light (no database, no settings): the engine is imported inside the command.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from painpath.cli.common import fail

rpm_app = typer.Typer(
    help="Remote monitoring billing: RPM/RTM codes under the CMS CY 2026 fee schedule.",
    no_args_is_help=True,
)

FORMATS = ("json", "text")


@rpm_app.command()
def codes(
    program: Annotated[str, typer.Option("--program", help="RPM, RTM-MSK, RTM-RESP or RTM-CBT.")],
    data_days: Annotated[
        int, typer.Option("--data-days", help="Days with ≥ 1 qualifying reading in the 30 days.")
    ],
    minutes: Annotated[
        int, typer.Option("--minutes", help="Treatment-management minutes in the calendar month.")
    ] = 0,
    interactive: Annotated[
        bool,
        typer.Option(
            "--interactive", help="The month included a real-time interactive communication."
        ),
    ] = False,
    first_period: Annotated[
        bool, typer.Option("--first-period", help="The first period of the episode of care.")
    ] = False,
    already_billed: Annotated[
        list[str] | None,
        typer.Option("--already-billed", help="A code already billed this period (repeatable)."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="json or text.")] = "json",
) -> None:
    """The billable codes for one 30-day period and month, with the evidence for each."""
    from painpath.monitoring.billing import billable_codes

    if output_format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")
    try:
        decision = billable_codes(
            program,
            data_days=data_days,
            minutes=minutes,
            interactive=interactive,
            first_period=first_period,
            already_billed=already_billed or (),
        )
    except ValueError as error:
        fail(str(error))
    if output_format == "json":
        typer.echo(json.dumps(decision.as_json(), indent=2, ensure_ascii=False))
        return
    if not decision.codes:
        typer.echo(f"{decision.program}: no billable code")
    for code in decision.codes:
        units = f" × {code.units}" if code.units > 1 else ""
        typer.echo(f"{code.code}{units}  {code.description}\n    {code.evidence}")
    for refusal in decision.refused:
        typer.echo(f"not {refusal.code or decision.program}: {refusal.reason}")
