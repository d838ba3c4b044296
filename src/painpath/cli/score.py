"""`painpath score INSTRUMENT --answers 2,1,2,…`: score one questionnaire (no database)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from painpath.cli.common import CliError, reported_errors

FORMATS = ("json", "text")
SEXES = ("female", "male")


def parse_answers(text: str) -> list[int | None]:
    """`2,1,-,3` -> [2, 1, None, 3]; `-` (or an empty place) marks an unanswered item."""
    answers: list[int | None] = []
    for position, part in enumerate(text.split(","), start=1):
        part = part.strip()
        if part in ("", "-"):
            answers.append(None)
            continue
        try:
            answers.append(int(part))
        except ValueError as error:
            raise CliError(
                f"--answers: answer {position} ({part!r}) is not a whole number"
            ) from error
    return answers


def _text(document: dict[str, Any]) -> list[str]:
    band = f" ({document['band']})" if document["band"] else ""
    lines = [f"{document['instrument']} {document['version']}: {document['score']}{band}"]
    if document.get("t_score") is not None:
        unverified = " (unverified: derived table)" if document["t_score_verified"] is False else ""
        lines.append(f"  T-score: {document['t_score']}{unverified}")
    lines.extend(f"  {name}: {value}" for name, value in document["subscales"].items())
    if document["prorated"]:
        lines.append(f"  prorated from {document['answered']} answered items")
    lines.extend(
        f"{flag['severity'].upper()} {flag['code']}: {flag['text']}" for flag in document["flags"]
    )
    return lines


def score(
    instrument: Annotated[
        str, typer.Argument(help="Instrument id, e.g. phq-9, odi, promis-pi-4a.")
    ],
    answers: Annotated[
        str,
        typer.Option("--answers", help="Answers in item order, comma-separated; - = unanswered."),
    ],
    sex: Annotated[
        str | None, typer.Option("--sex", help="female or male (Opioid Risk Tool only).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="json or text.")] = "json",
) -> None:
    """Score a questionnaire: prints {"instrument", "score", "band", "subscales", "flags", …}."""
    from painpath.monitoring.instruments import InstrumentError
    from painpath.monitoring.instruments import score as score_answers

    with reported_errors():
        if output_format not in FORMATS:
            raise CliError(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")
        if sex is not None and sex not in SEXES:
            raise CliError(f"--sex must be one of {', '.join(SEXES)}, not {sex!r}")
        try:
            result = score_answers(instrument, parse_answers(answers), sex=sex).as_json()
        except InstrumentError as error:
            raised = "".join(f" [{f.severity.upper()} {f.code}]" for f in error.flags)
            raise CliError(f"{error}{raised}") from error
    if output_format == "json":
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for line in _text(result):
        typer.echo(line)
