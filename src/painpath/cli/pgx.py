"""`painpath pgx …`: pharmacogenomic calls and CPIC advice from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from painpath.cli.common import CliError, reported_errors

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
FormatOption = Annotated[str, typer.Option("--format", help="json (the only format here).")]


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


def emit(document: dict[str, Any], output: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@pgx_app.command()
def recommend(
    gene: GeneOption = None,
    phenotype: PhenotypeOption = None,
    meds: MedsOption = None,
    drug: DrugOption = None,
    output_format: FormatOption = "json",
    include_dpwg: Annotated[
        bool, typer.Option("--dpwg", help="Add DPWG advice (share-alike licence; off by default).")
    ] = False,
) -> None:
    """Advice from known diplotypes or phenotypes, without a VCF."""
    from painpath.pgx.advice import interpret
    from painpath.pgx.genes import Gene

    with reported_errors():
        if output_format != "json":
            raise CliError(f"--format {output_format!r}: recommend prints json only")
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
        emit(result.to_json(), None)
