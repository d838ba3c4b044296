"""`painpath analytics …`: population jobs on one machine or a Dask cluster."""

from __future__ import annotations

import atexit
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from painpath.cli.common import CliError, console, input_limits, reported_errors

analytics_app = typer.Typer(
    help="Population jobs: opioid-safety measures from claims, cohort pharmacogenomics.",
    no_args_is_help=True,
)

#: Imported by each local worker as it starts (the shard functions), while the job plans.
OPIOID_JOB = "painpath.analytics.opioid_job"
#: Imported once in the fork server the local workers are forked from, so no worker imports
#: them again: this CLI (a forked worker re-runs the `painpath` script) and the opioid job's
#: thread-free engines (products: the formulary and the MME engine). Not polars or pyarrow.
OPIOID_FORK_PRELOAD = ("painpath.cli.main", "painpath.analytics.products")

SchedulerOption = Annotated[
    str,
    typer.Option(
        "--scheduler",
        help="local (a LocalCluster), tcp://HOST:8786 (an existing cluster) or synchronous.",
    ),
]
WorkersOption = Annotated[
    int, typer.Option("--workers", min=1, max=512, help="Worker processes of a local cluster.")
]
OutOption = Annotated[Path, typer.Option("-o", "--output", help="Output folder (created).")]
RestartOption = Annotated[
    bool, typer.Option("--restart", help="Discard unfinished work of a different job in OUT.")
]
QuietOption = Annotated[bool, typer.Option("--quiet", help="No progress bar.")]
MemoryOption = Annotated[
    str, typer.Option("--memory-limit", help="Per local worker, e.g. 2GB (default: auto).")
]
ThreadsOption = Annotated[
    int | None,
    typer.Option(
        "--threads-per-worker",
        min=1,
        max=256,
        help="Threads of polars and Arrow in each local worker (default: CPUs ÷ workers).",
    ),
]


def _needs_extra() -> None:
    """Checked, not imported: the job imports them after its cluster has begun to start."""
    from importlib.util import find_spec

    for name in ("distributed", "polars", "pyarrow"):
        if find_spec(name) is None:
            raise CliError(
                f"analytics needs {name}: install the analytics extra (scripts/setup.sh analytics)"
            )


@contextmanager
def _progress(quiet: bool) -> Iterator[tuple[Callable[[int], None], Callable[[str], None]]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    err = console()
    err.stderr = True
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("shards", total=None)
        yield (
            lambda total: progress.update(task, total=total),
            lambda key: progress.update(task, advance=1, description=key),
        )


def _skip_final_collection() -> None:
    """Freeze every live object once the exit handlers have run, so the interpreter's last
    garbage collections skip them: a job process holds polars, pyarrow and distributed, and
    those collections took 0.2 s of the job's serial tail (3.5 % of a two-worker run), after
    every output had been written and closed. Nothing is lost: the exit handlers still run,
    and the job writes no file that only a collection would close."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def _check_output(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise CliError(f"-o {output}: not a folder")


def _report(lines: list[str], outputs: dict[str, Any], quiet: bool) -> None:
    if quiet:
        return
    err = console()
    err.stderr = True
    for line in lines:
        err.print(line)
    for name, path in outputs.items():
        err.print(f"  {name}: {path}")


@analytics_app.command("opioid-measures")
def opioid_measures(
    claims: Annotated[Path, typer.Argument(help="Pharmacy claims (Parquet).", show_default=False)],
    output: OutOption,
    diagnoses: Annotated[
        Path | None,
        typer.Option("--diagnoses", help="Diagnoses Parquet for the exclusions (optional)."),
    ] = None,
    ndc_map: Annotated[
        Path | None,
        typer.Option("--ndc-map", help="NDC → RxNorm map (Parquet or CSV: ndc, rxnorm)."),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", min=1901, max=2100, help="Measurement year (default: latest fill)."),
    ] = None,
    shard_rows: Annotated[
        int, typer.Option("--shard-rows", min=1_000, help="Claims per shard (memory per worker).")
    ] = 500_000,
    scheduler: SchedulerOption = "local",
    workers: WorkersOption = 2,
    memory_limit: MemoryOption = "auto",
    threads_per_worker: ThreadsOption = None,
    restart: RestartOption = False,
    quiet: QuietOption = False,
) -> None:
    """PQA OHD, OMP, COB and HEDIS-style HDO, COU, with daily MME, per patient, prescriber,
    pharmacy and clinic; every bad row reported in rejects.parquet."""
    with reported_errors():
        _needs_extra()
        _skip_final_collection()
        from painpath.analytics.executor import SchedulerError, runner

        for path in (claims, diagnoses, ndc_map):
            if path is not None and not path.is_file():
                raise CliError(f"{path}: no such file")
        _check_output(output)
        try:
            # The LocalCluster's workers spawn and import while this process imports the job
            # (polars, pyarrow) and plans it.
            with (
                runner(
                    scheduler,
                    workers,
                    memory_limit,
                    threads_per_worker,
                    (OPIOID_JOB,),
                    OPIOID_FORK_PRELOAD,
                ) as run,
                _progress(quiet) as (
                    on_plan,
                    on_done,
                ),
            ):
                from painpath.analytics.claims import ClaimsError
                from painpath.analytics.opioid_job import Inputs, run_opioid_measures
                from painpath.analytics.workdir import WorkdirError

                try:
                    report = run_opioid_measures(
                        Inputs(claims, diagnoses, ndc_map),
                        output,
                        runner=run,
                        year=year,
                        shard_rows=shard_rows,
                        restart=restart,
                        on_plan=on_plan,
                        on_done=on_done,
                        on_measured=run.release,
                    )
                except (ClaimsError, WorkdirError) as error:
                    raise CliError(str(error)) from error
        except SchedulerError as error:
            raise CliError(str(error)) from error
        _report(
            [
                f"{report.rows:,} claim rows: {report.valid:,} valid, {report.rejected:,} "
                f"rejected (rejects.parquet), {report.unresolved_ndc:,} with an unmapped NDC",
                f"measurement year {report.year}: {report.patients:,} patients with opioid fills;"
                f" {report.ran_shards} shards run, {report.skipped_shards} already done",
            ],
            report.outputs,
            quiet,
        )


@analytics_app.command("pgx-cohort")
def pgx_cohort(
    files: Annotated[
        list[Path], typer.Argument(help="Multi-sample VCF/BCF files.", show_default=False)
    ],
    output: OutOption,
    meds: Annotated[
        Path | None,
        typer.Option(
            "--meds", help="Current prescriptions (Parquet: patient_id, medication or rxnorm)."
        ),
    ] = None,
    build: Annotated[
        str | None, typer.Option("--build", help="GRCh37 or GRCh38 (default: from the file).")
    ] = None,
    block_samples: Annotated[
        int, typer.Option("--block-samples", min=100, help="Samples per shard.")
    ] = 25_000,
    scheduler: SchedulerOption = "local",
    workers: WorkersOption = 2,
    memory_limit: MemoryOption = "auto",
    threads_per_worker: ThreadsOption = None,
    restart: RestartOption = False,
    quiet: QuietOption = False,
) -> None:
    """Phenotypes, actionable gene–drug pairs for current pain medicines, share per drug."""
    with reported_errors():
        _needs_extra()
        _skip_final_collection()
        from painpath.analytics.cohort_inputs import CohortInputError
        from painpath.analytics.executor import SchedulerError, runner
        from painpath.analytics.pgx_job import WORKER_PRELOAD, run_pgx_cohort
        from painpath.analytics.workdir import WorkdirError
        from painpath.cli.pgx import parse_build
        from painpath.pgx.vcf import VcfError

        for path in (*files, meds):
            if path is not None and not path.is_file():
                raise CliError(f"{path}: no such file")
        _check_output(output)
        chosen = parse_build(build)
        try:
            with (
                runner(scheduler, workers, memory_limit, threads_per_worker, WORKER_PRELOAD) as run,
                _progress(quiet) as (
                    on_plan,
                    on_done,
                ),
            ):
                report = run_pgx_cohort(
                    files,
                    output,
                    runner=run,
                    prescriptions=meds,
                    build=chosen.value if chosen else None,
                    block_samples=block_samples,
                    restart=restart,
                    limits=input_limits(),
                    on_plan=on_plan,
                    on_done=on_done,
                )
        except (CohortInputError, SchedulerError, WorkdirError, VcfError) as error:
            raise CliError(str(error)) from error
        _report(
            [
                f"{report.samples:,} samples in {report.files} file(s),"
                f" {report.with_prescriptions:,} with prescriptions;"
                f" {report.ran_shards} shards run, {report.skipped_shards} already done"
            ],
            report.outputs,
            quiet,
        )
