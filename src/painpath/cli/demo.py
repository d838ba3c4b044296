"""`painpath demo …`: the deterministic synthetic cohort, and the one-command demo server."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from painpath.cli.common import (
    CliError,
    console,
    load_settings,
    refuse_in_production,
    reported_errors,
)
from painpath.cli.database import display_url, require_head, upgrade_database
from painpath.cli.serve import HostOption, PortOption, prepare_app, run_server
from painpath.config import Settings
from painpath.db.engine import make_engine, make_session_factory
from painpath.demo import (
    DEFAULT_PATIENTS,
    DEFAULT_SEED,
    SeedReport,
    featured_logins,
    patient_count,
    seed_demo,
)
from painpath.demo.staff import PATIENT_ACCOUNT_FAMILY_NAMES, STAFF, patient_username
from painpath.kit.text import counted
from painpath.services.transaction import unit_of_work

demo_app = typer.Typer(
    help="The synthetic demo cohort (never real patients).", no_args_is_help=True
)

PatientsOption = Annotated[
    int, typer.Option(min=1, max=10_000, help="How many synthetic patients to create.")
]
SeedOption = Annotated[int, typer.Option(help="Random seed: the same seed gives the same cohort.")]
AsOfOption = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%d"],
        help="Last day of the cohort's 90-day timeline, YYYY-MM-DD [default: today]",
    ),
]

WHAT = "the demo (synthetic patients, published passwords)"


def _as_of(value: datetime | None) -> date:
    return value.date() if value else date.today()


def _seed(settings: Settings, *, patients: int, seed: int, as_of: date) -> tuple[SeedReport, float]:
    engine = make_engine(settings.database_url)
    try:
        started = time.perf_counter()
        with unit_of_work(make_session_factory(engine)) as session:
            report = seed_demo(session, patients=patients, seed=seed, as_of=as_of)
        return report, time.perf_counter() - started
    finally:
        engine.dispose()


def _sweep(settings: Settings, as_of: date) -> None:
    """Run the alert rules over the fresh cohort, so the dashboards open with its alerts."""
    from painpath.services.monitoring.sweep import sweep

    engine = make_engine(settings.database_url)
    try:
        report = sweep(make_session_factory(engine), today=as_of)
    finally:
        engine.dispose()
    opened = ", ".join(f"{rule} {n}" for rule, n in sorted(report.opened.items())) or "none"
    console().print(
        f"alert rules run over the cohort: {sum(report.opened.values())} opened ({opened})"
    )


def _existing_patients(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return patient_count(session)
    finally:
        engine.dispose()


def _print_report(report: SeedReport, seconds: float) -> None:
    console().print(
        f"seeded {counted(report.patients, 'synthetic patient')} (seed {report.seed}, "
        f"as of {report.as_of.isoformat()}) in {seconds:.1f} s: "
        f"{counted(report.conditions, 'condition')}, "
        f"{counted(report.medication_requests, 'medication request')}, "
        f"{counted(report.observations, 'observation')}, "
        f"{counted(report.questionnaire_responses, 'questionnaire response')}, "
        f"{counted(report.genotype_results, 'genotype result')}, "
        f"{counted(report.users, 'account')}"
    )


def _print_logins(url: str) -> None:
    table = Table(title="Demo logins (development only)", title_justify="left")
    for column in ("username", "role", "password"):
        table.add_column(column)
    for login in featured_logins():
        table.add_row(login.username, login.role.value, login.password)
    out = console()
    out.print(f"painpath demo: {url}")
    out.print(table)
    shown = {login.username for login in featured_logins()}
    others = [login.username for login in STAFF if login.username not in shown]
    others += [patient_username(name) for name in PATIENT_ACCOUNT_FAMILY_NAMES]
    others = [name for name in others if name not in shown]
    out.print(f"also: {', '.join(others)} (same password)")


@demo_app.command()
def seed(
    patients: PatientsOption = DEFAULT_PATIENTS,
    seed: SeedOption = DEFAULT_SEED,
    as_of: AsOfOption = None,
) -> None:
    """Seed the synthetic cohort into the configured (migrated, empty) database."""
    with reported_errors():
        settings = load_settings()
        refuse_in_production(settings, WHAT)
        require_head(settings.database_url)
        report, seconds = _seed(settings, patients=patients, seed=seed, as_of=_as_of(as_of))
    _print_report(report, seconds)


@demo_app.command()
def run(
    patients: PatientsOption = DEFAULT_PATIENTS,
    seed: SeedOption = DEFAULT_SEED,
    as_of: AsOfOption = None,
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Migrate the database, seed it if it holds no patients, print the logins and serve."""
    with reported_errors():
        settings = load_settings()
        refuse_in_production(settings, WHAT)
        url = settings.database_url
        upgrade_database(url)
        console().print(f"database: {display_url(url)} (migrated)")
        existing = _existing_patients(settings)
        if existing:
            console().print(
                f"the database already holds {counted(existing, 'patient')}: not seeding"
            )
        else:
            day = _as_of(as_of)
            report, seconds = _seed(settings, patients=patients, seed=seed, as_of=day)
            _print_report(report, seconds)
            _sweep(settings, day)
        app = prepare_app(settings)
    host, port = host or settings.host, port or settings.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    _print_logins(f"http://{shown}:{port}")
    run_server(app, host, port)


@demo_app.command()
def population(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for the files (created).")
    ] = Path("population"),
    patients: Annotated[
        int, typer.Option(min=1, max=20_000_000, help="How many synthetic patients.")
    ] = 100_000,
    seed: SeedOption = 1,
    year: Annotated[
        int, typer.Option(min=1901, max=2100, help="Measurement year the claims end in.")
    ] = 2025,
    vcf_samples: Annotated[
        int | None,
        typer.Option(
            "--vcf-samples", min=0, help="Samples in cohort.vcf.gz (default: every patient)."
        ),
    ] = None,
) -> None:
    """Synthetic claims, diagnoses, prescriptions and a matching multi-sample VCF (population
    jobs); the same seed gives the same files."""
    with reported_errors():
        try:
            from painpath.demo.population import write_population
        except ModuleNotFoundError as error:
            raise CliError(
                f"demo population needs {error.name}: install the analytics extra"
            ) from error
        if output.exists() and not output.is_dir():
            raise CliError(f"-o {output}: not a folder")
        files = write_population(output, patients, seed=seed, year=year, vcf_samples=vcf_samples)
        err = console()
        err.print(
            f"{counted(files.patients, 'patient')}, {counted(files.claim_rows, 'claim')}:"
            f" {files.claims}, {files.diagnoses}, {files.prescriptions}"
            + (f", {files.vcf}" if files.vcf else "")
        )
