"""`painpath pgx …`: pharmacogenomic calls and CPIC advice from the command line."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painpath.cli.common import CliError, input_limits, reported_errors
from painpath.kit.text import counted

if TYPE_CHECKING:
    from painpath.pgx.build import GenomeBuild
    from painpath.pgx.outside_calls import OutsideCalls

pgx_app = typer.Typer(
    help="Pharmacogenomics: VCF or lab calls to phenotypes and CPIC advice for pain medicines.",
    no_args_is_help=True,
)

GeneOption = Annotated[
    list[str] | None,
    typer.Option(
        "--gene",
        help="GENE=DIPLOTYPE, e.g. CYP2D6='*1/*4' (repeatable). An activity score works too.",
    ),
]
PhenotypeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--phenotype",
        help="GENE=PHENOTYPE, e.g. CYP2C19='Poor Metabolizer' (repeatable).",
    ),
]
MedsOption = Annotated[
    str | None,
    typer.Option("--meds", help="Co-prescribed medicines, comma-separated (phenoconversion)."),
]
DrugOption = Annotated[
    list[str] | None, typer.Option("--drug", help="Drug to advise on (repeatable; default all).")
]
ReportFormatOption = Annotated[
    str, typer.Option("--format", help="json (painpath.pgx.report/1), html or fhir.")
]
DpwgOption = Annotated[
    bool, typer.Option("--dpwg", help="Add DPWG advice (share-alike licence; off by default).")
]
OutsideCallsOption = Annotated[
    Path | None,
    typer.Option(
        "--outside-calls", help="Lab calls TSV (gene, diplotype, phenotype, activity score)."
    ),
]
BuildOption = Annotated[
    str | None,
    typer.Option("--build", help="GRCh37 or GRCh38 (default: from the header or REF alleles)."),
]
OutputOption = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write here (atomically) instead of stdout.")
]
CALL_FORMATS = ("json", "html", "fhir")
#: The sample id `pgx recommend` reports its calls under when --sample is not given.
RECOMMEND_SAMPLE_ID = "recommend"


def check_format(output_format: str) -> str:
    wanted = output_format.strip().lower()
    if wanted not in CALL_FORMATS:
        raise CliError(f"--format {output_format!r}: expected one of {', '.join(CALL_FORMATS)}")
    return wanted


def split_assignments(values: list[str] | None, what: str) -> dict[str, str]:
    """Parse GENE=VALUE options; a gene may be given once."""
    parsed: dict[str, str] = {}
    for value in values or []:
        gene, sep, text = value.partition("=")
        if not sep or not gene.strip() or not text.strip():
            raise CliError(f"--{what} expects GENE=VALUE, got {value!r}")
        key = gene.strip().upper()
        if key in parsed:
            raise CliError(f"--{what}: {key} is given twice")
        parsed[key] = text.strip()
    return parsed


def split_meds(meds: str | None) -> list[str]:
    return [m.strip() for m in (meds or "").split(",") if m.strip()]


def write_atomically(output: Path, data: bytes) -> None:
    """Write beside `output` and rename over it, so a failure never leaves a half-written file."""
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent or ".")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp made it 0600
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def parse_build(build: str | None) -> GenomeBuild | None:
    from painpath.pgx.build import GenomeBuild

    if build is None:
        return None
    for known in GenomeBuild:
        if build.strip().lower() == known.value.lower():
            return known
    raise CliError(f"--build {build!r}: expected one of {', '.join(b.value for b in GenomeBuild)}")


def load_outside_calls(path: Path | None) -> OutsideCalls | None:
    from painpath.pgx.outside_calls import OutsideCallError, read_outside_calls

    if path is None:
        return None
    try:
        return read_outside_calls(path)
    except OSError as error:
        raise CliError(f"{path}: cannot read outside calls: {error.strerror or error}") from error
    except (OutsideCallError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: {error}") from error


def check_drugs(drugs: Sequence[str] | None) -> list[str] | None:
    from painpath.pgx.tables import known_drugs

    if drugs is None:
        return None
    wanted = [d.strip().lower() for d in drugs]
    unknown = [d for d in wanted if d not in known_drugs()]
    if unknown:
        raise CliError(
            f"no guidance for {', '.join(unknown)} (painpath knows {', '.join(known_drugs())})"
        )
    return wanted


def render(document: dict[str, Any], output_format: str) -> str:
    if output_format == "html":
        from painpath.pgx.html import render_html

        return render_html(document)
    if output_format == "fhir":
        from painpath.pgx.fhir import fhir_document

        return json.dumps(fhir_document(document), indent=2, ensure_ascii=False) + "\n"
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def deliver(text: str, output: Path | None) -> None:
    """Print to stdout, or write OUT atomically; a write failure is an expected error."""
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        write_atomically(output, text.encode("utf-8"))
    except OSError as error:
        raise CliError(f"cannot write {output}: {error.strerror or error}") from error


@pgx_app.command()
def recommend(
    gene: GeneOption = None,
    phenotype: PhenotypeOption = None,
    meds: MedsOption = None,
    drug: DrugOption = None,
    sample_id: Annotated[
        str, typer.Option("--sample", help="The id the report gives these calls.")
    ] = RECOMMEND_SAMPLE_ID,
    include_dpwg: DpwgOption = False,
    output_format: ReportFormatOption = "json",
    output: OutputOption = None,
) -> None:
    """Advice from known diplotypes or phenotypes, without a VCF: the same report as `call`."""
    from painpath.pgx.advice import interpret
    from painpath.pgx.genes import Gene
    from painpath.pgx.report import SampleReport, report_document

    with reported_errors():
        output_format = check_format(output_format)
        if not sample_id.strip():
            raise CliError("--sample: give a non-empty id")
        calls = split_assignments(gene, "gene")
        phenotypes = split_assignments(phenotype, "phenotype")
        for name in set(calls) & set(phenotypes):
            raise CliError(f"{name} is given both as --gene and --phenotype; give one")
        calls.update(phenotypes)
        unknown = sorted(name for name in calls if name not in Gene.__members__)
        if unknown:
            known = ", ".join(g.value for g in Gene)
            raise CliError(f"unknown gene {', '.join(unknown)} (painpath interprets {known})")
        try:
            result = interpret(calls, meds=split_meds(meds), drugs=drug, include_dpwg=include_dpwg)
        except ValueError as error:
            raise CliError(str(error)) from error
        report = SampleReport(sample_id=sample_id.strip(), interpretation=result)
        deliver(render(report_document([report]), output_format), output)


@pgx_app.command()
def call(
    file: Annotated[
        Path, typer.Argument(help="VCF or BCF, plain or bgzipped.", show_default=False)
    ],
    sample: Annotated[
        list[str] | None,
        typer.Option("--sample", help="Sample to report (repeatable; default every sample)."),
    ] = None,
    outside_calls: OutsideCallsOption = None,
    meds: MedsOption = None,
    drug: DrugOption = None,
    build: BuildOption = None,
    include_dpwg: DpwgOption = False,
    output_format: ReportFormatOption = "json",
    output: OutputOption = None,
) -> None:
    """Call genes from a VCF/BCF and report phenotypes and advice, per sample."""
    from painpath.pgx.report import iter_file_reports, report_document
    from painpath.pgx.vcf import VcfError

    with reported_errors():
        output_format = check_format(output_format)
        drugs = check_drugs(drug)
        lab_calls = load_outside_calls(outside_calls)
        try:
            reports = list(
                iter_file_reports(
                    str(file),
                    samples=list(dict.fromkeys(sample)) if sample else None,
                    build=parse_build(build),
                    outside_calls=lab_calls,
                    meds=split_meds(meds),
                    drugs=drugs,
                    include_dpwg=include_dpwg,
                    limits=input_limits(),
                )
            )
        except VcfError as error:
            raise CliError(str(error)) from error
        deliver(render(report_document(reports), output_format), output)


def read_samples_file(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: cannot read the samples file: {error}") from error
    names = [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]
    if not names:
        raise CliError(f"{path}: no sample ids (one per line)")
    return list(dict.fromkeys(names))


@pgx_app.command()
def batch(
    file: Annotated[Path, typer.Argument(help="Cohort VCF or BCF.", show_default=False)],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="RESULTS.parquet (sample × gene); RESULTS.drugs.parquet is written beside it.",
        ),
    ],
    meds: MedsOption = None,
    drug: DrugOption = None,
    samples_file: Annotated[
        Path | None,
        typer.Option("--samples-file", help="Only these samples (one id per line)."),
    ] = None,
    build: BuildOption = None,
    include_dpwg: DpwgOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Phenotypes and advice for every sample of a cohort, written as Parquet."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from painpath.cli.common import console
    from painpath.pgx.vcf import VcfError

    with reported_errors():
        try:
            from painpath.pgx.batch import write_cohort
        except ModuleNotFoundError as error:
            raise CliError(
                f"pgx batch needs {error.name}: install the pgx extra (scripts/setup.sh pgx)"
            ) from error
        if output.suffix != ".parquet":
            raise CliError(f"-o {output}: the output must end in .parquet")
        if not output.parent.is_dir():
            raise CliError(f"-o {output}: the folder {output.parent} does not exist")
        drugs = check_drugs(drug)
        wanted = read_samples_file(samples_file)
        err = console()
        err.stderr = True
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=quiet,
            transient=True,
        ) as progress:
            task = progress.add_task(f"reading {file.name}", total=None)
            try:
                summary = write_cohort(
                    str(file),
                    output,
                    samples=wanted,
                    build=parse_build(build),
                    meds=split_meds(meds),
                    drugs=drugs,
                    include_dpwg=include_dpwg,
                    on_start=lambda total: progress.update(
                        task, total=total, description="interpreting samples"
                    ),
                    on_progress=lambda done: progress.advance(task, done),
                    limits=input_limits(),
                )
            except VcfError as error:
                raise CliError(str(error)) from error
        if not quiet:
            err.print(
                f"{counted(summary.samples, 'sample')}"
                f" ({counted(summary.patterns, 'distinct genotype pattern')}):"
                f" {counted(summary.gene_rows, 'gene row')} → {summary.gene_file},"
                f" {counted(summary.drug_rows, 'advice row')} → {summary.drug_file}"
            )
