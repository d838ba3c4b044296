"""`painpath care …`: multimodal care suggestions for one patient (docs/care.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from painpath.cli.common import reported_errors
from painpath.cli.opioids import FORMATS, check_choice, emit, parse_day, read_json

care_app = typer.Typer(
    help="Care suggestions: guideline options per condition, personalized, with reasons.",
    no_args_is_help=True,
)


@care_app.command()
def suggest(
    input_file: Annotated[Path, typer.Argument(help="Patient JSON (docs/care.md); - for stdin.")],
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            help="Default guideline profile, US or UK (the input's"
            " jurisdiction wins; default: the PAINPATH_CARE_PROFILE setting).",
        ),
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="Date to evaluate on, YYYY-MM-DD.")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="json or text.")] = "json",
) -> None:
    """Options, exclusions and flags for one patient, each with its reasons and source."""
    from painpath.care import parse_request, render_text
    from painpath.care import suggest as run_suggest

    with reported_errors():
        check_choice(output_format, FORMATS, "--format")
        default = profile if profile is not None else _configured_profile()
        check_choice(default, ("US", "UK"), "--profile")
        day = parse_day(today, "--today")
        request = parse_request(read_json(input_file))
        result = run_suggest(request, default_profile="UK" if default == "UK" else "US", today=day)
    document = result.as_json()
    if output_format == "json":
        emit(document)
    else:
        typer.echo(render_text(document), nl=False)


def _configured_profile() -> str:
    """PAINPATH_CARE_PROFILE, the variable the server's `care_profile` setting reads, read here
    directly so that the command starts without the settings stack; US when unset."""
    return os.environ.get("PAINPATH_CARE_PROFILE", "US").strip().upper() or "US"
