"""Gather pgx-cohort's block outputs into OUT/: phenotypes, advice, actionable pairs for the
current medicines, the cohort's share with actionable advice per drug, summary.json and
summary.html. Blocks are read in plan order, so the files are the same however many workers
ran."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from painpath.analytics.summary_html import bar_chart, write_summary
from painpath.analytics.workdir import Workdir, write_json, write_parquet

if TYPE_CHECKING:
    from painpath.analytics.pgx_job import CohortReport

ACTIONABLE = ("avoid", "adjust_dose", "monitor")


def gather(
    workdir: Workdir,
    output: Path,
    keys: list[str],
    medicines: dict[str, list[str]],
    report: CohortReport,
) -> None:
    from painpath.pgx.tables import known_drugs

    folder = workdir.path("pgx")
    genes = pl.concat([pl.read_parquet(folder / f"{key}.parquet") for key in keys])
    advice = pl.concat([pl.read_parquet(folder / f"{key}.drugs.parquet") for key in keys])
    write_parquet(output / "phenotypes.parquet", genes)
    write_parquet(output / "advice.parquet", advice)
    samples = genes["sample"].n_unique()
    report.samples = samples
    taking = pl.DataFrame(
        [
            (patient, drug)
            for patient, names in medicines.items()
            for drug in names
            if drug in known_drugs()
        ],
        schema={"sample": pl.Utf8, "drug": pl.Utf8},
        orient="row",
    )
    report.with_prescriptions = len(medicines)
    flagged = (
        advice.with_columns(pl.col(c).cast(pl.Utf8) for c in advice.columns)
        .filter(pl.col("action").is_in(ACTIONABLE))
        .unique(["sample", "drug"], keep="first", maintain_order=True)
    )
    actionable = flagged.join(taking, on=["sample", "drug"], how="inner")
    write_parquet(output / "actionable.parquet", actionable)
    per_drug = (
        pl.DataFrame({"drug": list(known_drugs())})
        .join(flagged.group_by("drug").len("actionable_samples"), on="drug", how="left")
        .join(taking.group_by("drug").len("taking"), on="drug", how="left")
        .join(actionable.group_by("drug").len("actionable_taking"), on="drug", how="left")
        .with_columns(pl.col(pl.UInt32).fill_null(0), pl.lit(samples).alias("samples"))
        .with_columns((pl.col("actionable_samples") / pl.col("samples")).alias("actionable_share"))
        .select(
            "drug",
            "samples",
            "actionable_samples",
            "actionable_share",
            "taking",
            "actionable_taking",
        )
        .sort("drug")
    )
    write_parquet(output / "drugs.parquet", per_drug)
    phenotype_counts = (
        genes.with_columns(pl.col(c).cast(pl.Utf8) for c in ("gene", "phenotype"))
        .group_by("gene", "phenotype")
        .len("samples")
        .sort("gene", "samples", descending=[False, True])
    )
    write_json(
        output / "summary.json",
        {
            "job": "pgx-cohort",
            "files": report.files,
            "samples": samples,
            "with_prescriptions": report.with_prescriptions,
            "drugs": per_drug.to_dicts(),
            "worker_peak_rss_mib": workdir.worker_peaks(),
        },
    )
    figures = [
        (
            "Share of the cohort with actionable advice, per drug (avoid, adjust dose, monitor)",
            bar_chart(
                per_drug["drug"].to_list(),
                [float(v) * 100 for v in per_drug["actionable_share"].to_list()],
                "% of samples",
            ),
        )
    ]
    tables = [
        (
            "Per drug",
            ["drug", "samples", "actionable", "share", "taking it now", "actionable and taking"],
            [
                [
                    r["drug"],
                    r["samples"],
                    r["actionable_samples"],
                    f"{r['actionable_share']:.1%}",
                    r["taking"],
                    r["actionable_taking"],
                ]
                for r in per_drug.to_dicts()
            ],
        ),
        (
            "Phenotypes per gene",
            ["gene", "phenotype", "samples"],
            [[r["gene"], r["phenotype"] or "–", r["samples"]] for r in phenotype_counts.to_dicts()],
        ),
    ]
    facts = [
        ("files", str(report.files)),
        ("samples", f"{samples:,}"),
        ("patients with prescriptions", f"{report.with_prescriptions:,}"),
        ("actionable pairs for current medicines", f"{actionable.height:,}"),
    ]
    write_summary(output / "summary.html", "Cohort pharmacogenomics", facts, figures, tables)
    for name in ("phenotypes", "advice", "actionable", "drugs"):
        report.outputs[name] = str(output / f"{name}.parquet")
    report.outputs["summary"] = str(output / "summary.html")
