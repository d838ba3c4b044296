"""`painpath opioids …`: MME, CDC 2022 alerts, taper schedules and the Opioid Risk Tool."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from painpath.cli.common import CliError, reported_errors

opioids_app = typer.Typer(
    help="Opioid safety: MME per CDC 2022, guideline alerts, HHS taper plans, Opioid Risk Tool.",
    no_args_is_help=True,
)

FactorsOption = Annotated[
    str, typer.Option("--factors", help="MME conversion table: cdc2022 (default) or cdc2016.")
]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Date to evaluate on, YYYY-MM-DD (default: today).")
]
FormatOption = Annotated[str, typer.Option("--format", help="json or text.")]
FORMATS = ("json", "text")


def parse_day(text: str | None, what: str) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CliError(f"{what} expects YYYY-MM-DD, got {text!r}") from error


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise CliError(f"{what} must be one of {', '.join(choices)}, not {value!r}")
    return value


def read_json(path: Path) -> Any:
    """The JSON document at `path` ("-" reads stdin)."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"{path} is not valid JSON: {error}") from error


def emit(document: dict[str, Any]) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


@opioids_app.command()
def assess(
    input_file: Annotated[Path, typer.Argument(help="Input JSON (docs/opioids.md); - for stdin.")],
    factors: FactorsOption = "cdc2022",
    today: TodayOption = None,
    output_format: FormatOption = "json",
) -> None:
    """MME per medication and in total, and the CDC 2022 alerts, for one patient."""
    from painpath.opioids import assess as run_assessment
    from painpath.opioids import parse_assessment_input

    with reported_errors():
        check_choice(output_format, FORMATS, "--format")
        table = check_choice(factors, ("cdc2022", "cdc2016"), "--factors")
        day = parse_day(today, "--today")
        data = parse_assessment_input(read_json(input_file))
        result = run_assessment(data, today=day, factors=table).as_json()
    if output_format == "json":
        emit(result)
        return
    total = result["total_mme_per_day"]
    shown = "cannot compute" if total is None else f"{total:g}"
    suffix = "" if result["total_is_complete"] else " (incomplete: a lower bound)"
    typer.echo(f"Total MME/day: {shown}{suffix} [{result['factors']['table']}]")
    for line in result["per_medication"]:
        mme = line["mme_per_day"]
        typer.echo(
            f"  {line['ingredient']}: "
            + (f"{mme:g} MME/day" if mme is not None else f"not counted ({line['reason']})")
        )
    for alert in result["alerts"]:
        typer.echo(f"{alert['severity'].upper()} {alert['code']}: {alert['summary']}")


@opioids_app.command()
def taper(
    ingredient: Annotated[str, typer.Option("--ingredient", help="e.g. oxycodone.")],
    daily_mg: Annotated[float, typer.Option("--daily-mg", help="Current total mg a day.")],
    start: Annotated[
        str | None, typer.Option("--start", help="First reduction, YYYY-MM-DD (default: today).")
    ] = None,
    weekly: Annotated[
        bool, typer.Option("--weekly", help="Shorter-term use (weeks to months): weekly steps.")
    ] = False,
    step_percent: Annotated[
        float,
        typer.Option(
            "--step-percent",
            help="Share of the original dose per step (down to 30 % of it; then of the rest).",
        ),
    ] = 10,
    max_cut_percent: Annotated[
        float,
        typer.Option("--max-cut-percent", help="Largest cut of the dose taken in one step."),
    ] = 25,
    strength: Annotated[
        list[float] | None, typer.Option("--strength", help="Tablet strength in mg (repeatable).")
    ] = None,
    pause_after: Annotated[
        list[int] | None, typer.Option("--pause-after", help="Hold after reduction N (repeatable).")
    ] = None,
    goal_mg: Annotated[float, typer.Option("--goal-mg", help="Dose to stop at (0: off).")] = 0,
    factors: FactorsOption = "cdc2022",
    output_format: FormatOption = "json",
) -> None:
    """A dated taper schedule per the HHS 2019 guide: 10 % of the original dose per step, slower
    below 30 % of it, never more than --max-cut-percent of the dose taken; then the smallest dose
    less and less often."""
    from painpath.opioids import TaperRefused, TaperRequest, plan_taper

    with reported_errors():
        check_choice(output_format, FORMATS, "--format")
        check_choice(factors, ("cdc2022", "cdc2016"), "--factors")
        request = TaperRequest.model_validate(
            {
                "ingredient": ingredient,
                "daily_dose_mg": daily_mg,
                "start": parse_day(start, "--start"),
                "long_term": not weekly,
                "step_percent": step_percent,
                "max_cut_percent": max_cut_percent,
                "strengths_mg": tuple(strength) if strength else None,
                "pause_after_steps": tuple(pause_after or ()),
                "goal_daily_mg": goal_mg,
                "factors": factors,
            }
        )
        try:
            plan = plan_taper(request)
        except TaperRefused as refusal:
            raise CliError(f"not planned: {refusal}") from refusal
    if output_format == "json":
        emit(plan.as_json())
        return
    for sentence in plan.schedule():
        typer.echo(sentence)
    for note in plan.notes:
        typer.echo(f"Note: {note}")


@opioids_app.command()
def ort(
    sex: Annotated[str, typer.Option("--sex", help="female or male.")],
    yes: Annotated[
        list[str] | None, typer.Option("--yes", help="An item answered yes (repeatable).")
    ] = None,
) -> None:
    """Score the Opioid Risk Tool (Webster & Webster 2005); prints JSON."""
    from painpath.opioids import opioid_risk_tool, ort_items

    with reported_errors():
        check_choice(sex, ("female", "male"), "--sex")
        unknown = sorted(set(yes or ()) - set(ort_items()))
        if unknown:
            raise CliError(f"unknown item {unknown[0]!r}; items: {', '.join(ort_items())}")
        result = opioid_risk_tool(
            "female" if sex == "female" else "male", dict.fromkeys(yes or (), True)
        )
    emit(result.as_json())
