"""Gather the measure shards into OUT/: Parquet per patient, entity and measure, rejects, HTML.

    patients.parquet        one row per patient with an opioid fill in the year or intake
    daily_mme.parquet       patient, start, end, mme_per_day: the daily MME as segments
    prescribers.parquet     entity_id, measure, denominator, numerator, rate
    pharmacies.parquet      (the same per pharmacy)
    clinics.parquet         (the same per clinic)
    measures.parquet        measure, denominator, numerator, rate, title, steward, source, url
    rejects.parquet         file, row, column, problem, value: every refused row
    unresolved_ndc.parquet  ndc, claims: NDCs the map did not resolve (not counted anywhere)
    summary.json, summary.html

Shard outputs are read in bucket order, so the files are the same however many workers ran.
The three large tables (patients, daily MME, the entity totals) are written by shards of their
own on the cluster (`concat_parts`, `entity_tables`), side by side; the job process then writes
the small ones and the summary (`gather`).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from painpath.analytics.claims import REJECT_SCHEMA
from painpath.analytics.entity_counts import entity_totals
from painpath.analytics.executor import peak_memory
from painpath.analytics.knowledge import RATES
from painpath.analytics.summary_html import bar_chart, histogram, write_summary
from painpath.analytics.workdir import Workdir, sink_parquet, write_json, write_parquet

if TYPE_CHECKING:
    from painpath.analytics.opioid_job import JobReport

ENTITY_FILES = {"prescriber": "prescribers", "pharmacy": "pharmacies", "clinic": "clinics"}
#: Output table → the measure shards' part it is made of.
PARTS = {"patients": "patients", "daily_mme": "daily"}


def _concat(files: list[Path], target: Path) -> None:
    """The shard files one after another into `target`, streamed (never all in memory)."""
    existing = [f for f in files if f.exists()]
    frames = pl.concat([pl.scan_parquet(f) for f in existing], how="vertical_relaxed")
    sink_parquet(target, frames)


def _rates(patients: pl.DataFrame) -> pl.DataFrame:
    from painpath.analytics.opioid_job import measure_catalogue

    rows = []
    for entry in measure_catalogue():
        rate = entry["measure"]
        base = rate.split("_")[0]
        denominator = int(patients[f"{base}_denominator"].sum())
        numerator = int(patients[f"{rate}_numerator"].sum())
        rows.append(
            {
                "measure": rate,
                "denominator": denominator,
                "numerator": numerator,
                "rate": numerator / denominator if denominator else None,
                **{k: v for k, v in entry.items() if k != "measure"},
            }
        )
    return pl.DataFrame(rows)


def concat_parts(work: str, output: str, table: str, buckets: int) -> dict[str, Any]:
    """Gather shard: one of `PARTS`' tables from every bucket's part, in bucket order."""
    started = time.time()
    measured = Path(work) / "measured"
    parts = [measured / f"{PARTS[table]}-{bucket:05d}.parquet" for bucket in range(buckets)]
    _concat(parts, Path(output) / f"{table}.parquet")
    return {**peak_memory(), "started": started, "ended": time.time()}


def entity_tables(work: str, output: str, buckets: int) -> dict[str, Any]:
    """Gather shard: the per-prescriber, per-pharmacy and per-clinic tables."""
    started = time.time()
    measured = Path(work) / "measured"
    parts = [measured / f"entities-{bucket:05d}.parquet" for bucket in range(buckets)]
    totals = entity_totals(pl.concat([pl.read_parquet(part) for part in parts]))
    for entity, name in ENTITY_FILES.items():
        write_parquet(
            Path(output) / f"{name}.parquet",
            totals.filter(pl.col("entity_type") == entity).drop("entity_type"),
        )
    return {**peak_memory(), "started": started, "ended": time.time()}


def gather(workdir: Workdir, output: Path, report: JobReport) -> None:
    """The small outputs and the summary, once the gather shards have written the large ones."""
    # The job reads only the columns the rates and the histogram need, not the whole table.
    wanted = [
        name
        for name in pl.read_parquet_schema(output / "patients.parquet")
        if name.endswith(("_denominator", "_numerator")) or name == "max_daily_mme"
    ]
    patients = pl.read_parquet(output / "patients.parquet", columns=wanted)
    report.patients = patients.height
    for name in ENTITY_FILES.values():
        report.outputs[name] = str(output / f"{name}.parquet")
    rates = _rates(patients)
    write_parquet(output / "measures.parquet", rates)
    rejects = [
        pl.read_parquet(f).with_columns(pl.lit(f.stem.split("-")[0]).alias("file"))
        for f in sorted(workdir.path("rejects").glob("*.parquet"))
    ]
    empty = pl.DataFrame(schema={"file": pl.Utf8, **REJECT_SCHEMA})
    all_rejects = pl.concat([empty, *[r.select(empty.columns) for r in rejects]])
    write_parquet(output / "rejects.parquet", all_rejects.sort("file", "row"))
    unresolved = [pl.read_parquet(f) for f in sorted(workdir.path("unresolved").glob("*.parquet"))]
    unresolved_table = (
        pl.concat(unresolved).group_by("ndc").agg(pl.col("claims").sum()).sort("ndc")
        if unresolved
        else pl.DataFrame(schema={"ndc": pl.Utf8, "claims": pl.UInt32})
    )
    write_parquet(output / "unresolved_ndc.parquet", unresolved_table)
    for name in ("patients", "daily_mme", "measures", "rejects", "unresolved_ndc"):
        report.outputs[name] = str(output / f"{name}.parquet")
    summary: dict[str, Any] = {
        "job": "opioid-measures",
        **{k: v for k, v in asdict(report).items() if k != "outputs"},
        "measures": rates.to_dicts(),
        "worker_peak_rss_mib": workdir.worker_peaks(),
        "first_rejects": all_rejects.head(20).to_dicts(),
    }
    write_json(output / "summary.json", summary)
    prescribers = pl.read_parquet(output / "prescribers.parquet")
    _html(output, report, patients, rates, prescribers, all_rejects)
    report.outputs["summary"] = str(output / "summary.html")


def _html(
    output: Path,
    report: JobReport,
    patients: pl.DataFrame,
    rates: pl.DataFrame,
    prescribers: pl.DataFrame,
    rejects: pl.DataFrame,
) -> None:
    mme = patients["max_daily_mme"].drop_nulls().to_numpy()
    figures = [
        (
            "Highest daily MME per patient",
            histogram(mme, "highest daily MME (CDC 2022 factors)", "patients", marks=(50, 90)),
        ),
        (
            "Measure rates",
            bar_chart(
                [str(r) for r in rates["measure"].to_list()],
                [float(v or 0) * 100 for v in rates["rate"].to_list()],
                "% of denominator",
            ),
        ),
    ]
    for rate in ("OHD", "COB", "OMP"):
        top = (
            prescribers.filter(pl.col("measure") == rate)
            .sort(["denominator", "entity_id"], descending=[True, False])
            .head(20)
        )
        if top.height:
            figures.append(
                (
                    f"{rate} rate by prescriber (20 with the most denominator patients)",
                    bar_chart(
                        [str(x) for x in top["entity_id"].to_list()],
                        [float(v) * 100 for v in top["rate"].to_list()],
                        "% of the prescriber's denominator patients",
                    ),
                )
            )
    tables = [
        (
            "Measures",
            ["measure", "denominator", "numerator", "rate", "source"],
            [
                [
                    r["measure"],
                    r["denominator"],
                    r["numerator"],
                    "–" if r["rate"] is None else f"{r['rate']:.2%}",
                    r["source"],
                ]
                for r in rates.to_dicts()
            ],
        ),
        (
            f"Rejected rows ({rejects.height}; first 50, all in rejects.parquet)",
            ["file", "row", "column", "problem", "value"],
            [
                [r["file"], r["row"], r["column"], r["problem"], r["value"] or ""]
                for r in rejects.head(50).to_dicts()
            ],
        ),
    ]
    facts = [
        ("measurement year", str(report.year)),
        ("claim rows", f"{report.rows:,}"),
        ("valid", f"{report.valid:,}"),
        ("rejected", f"{report.rejected:,}"),
        ("unresolved NDC claims", f"{report.unresolved_ndc:,}"),
        ("patients with opioid fills", f"{report.patients:,}"),
    ]
    write_summary(output / "summary.html", "Opioid-safety measures", facts, figures, tables)


def rate_fields() -> tuple[str, ...]:
    return RATES
