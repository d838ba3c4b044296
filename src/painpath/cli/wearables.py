"""`painpath wearables import`: a wearable export into a patient's record, as a named user.

The import runs with that user's rights (the patient themself, or a clinician on their care
team) and is audited like the upload endpoint. Batches commit whole: if the command is killed,
running it again completes the import without duplicates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from painpath.cli.common import CliError, console, input_limits, load_settings, reported_errors
from painpath.kit.text import counted
from painpath.monitoring.wearables.formats import WearableFormat

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

wearables_app = typer.Typer(
    help="Wearable exports: Apple Health, Google Takeout (Fitbit), Open mHealth, FHIR.",
    no_args_is_help=True,
)


def patient_by_mrn(session: Session, mrn: str) -> int:
    """The record id of the patient with this MRN; whether the user may see them is the
    import's own (audited) care-team check."""
    from sqlalchemy import select

    from painpath.models.patient import Patient

    found = session.scalar(select(Patient.id).where(Patient.mrn == mrn.strip()))
    if found is None:
        raise CliError(f"--mrn {mrn!r}: no patient has this medical record number")
    return found


@wearables_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="export.xml/export.zip, a Takeout folder or zip, …")],
    user: Annotated[str, typer.Option("--as", help="Username the import runs as (audited).")],
    patient: Annotated[
        int | None, typer.Option("--patient", help="The patient's record id (or give --mrn).")
    ] = None,
    mrn: Annotated[
        str | None,
        typer.Option("--mrn", help="The patient's medical record number, e.g. DEMO-00001."),
    ] = None,
    kind: Annotated[
        WearableFormat | None,
        typer.Option(help="The export's format; default: detected from the file."),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Samples per committed batch.")] = 5_000,
    output: Annotated[str, typer.Option("--format", help="json or text.")] = "text",
) -> None:
    """Import FILE for the patient (--patient or --mrn); the same file again adds nothing."""
    from sqlalchemy import select

    from painpath.auth.actor import Actor
    from painpath.cli.database import require_head
    from painpath.db.engine import make_engine, make_session_factory
    from painpath.models.user import User
    from painpath.services.wearables.importer import import_wearable_file

    with reported_errors():
        if output not in ("json", "text"):
            raise CliError(f"--format is json or text, not {output!r}")
        if (patient is None) == (mrn is None):
            raise CliError("name the patient with --patient ID or --mrn MRN (one of them)")
        if not file.exists():
            raise CliError(f"{file}: no such file or folder")
        url = load_settings().database_url
        require_head(url)
        engine = make_engine(url)
        try:
            factory = make_session_factory(engine)
            with factory() as session:
                account = session.scalars(select(User).where(User.username == user)).first()
                if account is None or not account.is_active:
                    raise CliError(f"no active account {user!r}")
                actor = Actor.of(account)
                patient_id = patient_by_mrn(session, mrn) if mrn is not None else patient
            if patient_id is None:  # excluded above; says so to the type checker
                raise CliError("name the patient with --patient ID or --mrn MRN")
            result = import_wearable_file(
                factory,
                actor=actor,
                patient_id=patient_id,
                path=file,
                kind=kind,
                batch_size=batch_size,
                limits=input_limits(),
            )
        finally:
            engine.dispose()
    if output == "json":
        typer.echo(json.dumps(result.as_json(), indent=2))
        return
    if result.already_imported:
        console().print(
            f"{file.name} was imported before (import {result.import_id}): nothing added"
        )
        return
    console().print(
        f"import {result.import_id} ({result.importer}):"
        f" {counted(result.samples_read, 'sample')} read, {result.samples_added} new,"
        f" {counted(result.days_summarized, 'day')} summarized"
    )
