"""The full-size single-process baseline for bench/population.py: the same five measures as
population_baseline.py (pandas, one pass per patient), written as an analyst would in polars:
whole-table expressions, one process, no sharding, no Dask. Its totals must equal painpath's.

    .venv/bin/python bench/population_baseline_polars.py CLAIMS DIAGNOSES YEAR OUT.json

Days are integers from an epoch (Jan 1 two years before the measurement year). Days covered
are the union of fills (gaps-and-islands: sort, running maximum of the previous ends); the
opioid–benzodiazepine overlap intersects the two unions island by island; ≥4 prescribers and
≥4 pharmacies within 180 days is a self-join of the few candidate patients' fills. Products and
exclusion codes are resolved with painpath's own tables (`resolve`, `categories_of`), so only
the measure computation differs from painpath's.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date

import polars as pl

from painpath.analytics.knowledge import categories_of
from painpath.analytics.products import BENZODIAZEPINE, OPIOID, resolve

SCALE = 10_000
P = "patient_id"


def as_date(column: str, frame: pl.DataFrame) -> pl.Expr:
    dtype = frame.schema[column]
    if dtype == pl.Date:
        return pl.col(column)
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.date()
    return pl.col(column).cast(pl.Utf8).str.to_date(strict=False)


def islands(fills: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The union of each group's [s, e] day intervals, as non-overlapping islands."""
    return (
        fills.filter(pl.col("s") <= pl.col("e"))
        .sort([*keys, "s"])
        .with_columns(pl.col("e").cum_max().shift(1).over(keys).alias("reach"))
        .with_columns(
            (pl.col("reach").is_null() | (pl.col("s") > pl.col("reach") + 1))
            .cast(pl.Int32)
            .cum_sum()
            .over(keys)
            .alias("island")
        )
        .group_by([*keys, "island"])
        .agg(pl.col("s").min(), pl.col("e").max())
    )


def covered(fills: pl.DataFrame, name: str) -> pl.DataFrame:
    return islands(fills, [P]).group_by(P).agg((pl.col("e") - pl.col("s") + 1).sum().alias(name))


def main() -> int:
    claims_path, diagnoses_path, year_text, out = sys.argv[1:5]
    year = int(year_text)
    started = time.perf_counter()
    raw = pl.read_parquet(claims_path)
    epoch = date(year - 2, 1, 1)

    def day(value: date) -> int:
        return (value - epoch).days

    my_s, my_e = day(date(year, 1, 1)), day(date(year, 12, 31))
    in_s, in_e = day(date(year - 1, 11, 1)), day(date(year, 10, 31))
    ids = ("patient_id", "prescriber_id", "pharmacy_id", "clinic_id")
    birth = as_date("birth_date", raw) if "birth_date" in raw.columns else pl.lit(None, pl.Date)
    claims = raw.select(
        *(pl.col(c).cast(pl.Utf8) for c in ids),
        pl.col("rxnorm").cast(pl.Utf8),
        pl.col("quantity").cast(pl.Float64, strict=False),
        pl.col("days_supply").cast(pl.Float64, strict=False),
        as_date("fill_date", raw).alias("fill_date"),
        birth.alias("birth"),
    ).filter(
        *(pl.col(c).fill_null("").str.len_chars().is_between(1, 64) for c in ids),
        pl.col("quantity") > 0,
        pl.col("quantity") <= 100_000,
        pl.col("days_supply").is_between(1, 365),
        pl.col("fill_date").is_not_null(),
        pl.col("rxnorm").is_not_null(),
    )
    codes = claims["rxnorm"].unique().to_list()
    found = [resolve(code) for code in codes]
    products = pl.DataFrame(
        {
            "rxnorm": codes,
            "cls": [p.measure_class for p in found],
            "in_scope": [p.out_of_scope is None for p in found],
            "unit": [p.mme_per_unit for p in found],
            "fixed": [p.mme_per_day_fixed for p in found],
        },
        schema={
            "rxnorm": pl.Utf8,
            "cls": pl.Utf8,
            "in_scope": pl.Boolean,
            "unit": pl.Float64,
            "fixed": pl.Float64,
        },
    )
    mme = pl.coalesce("fixed", pl.col("unit") * pl.col("quantity") / pl.col("days_supply"))
    fills = (
        claims.join(products, on="rxnorm", how="left")
        .with_columns(
            ((pl.col("cls") == OPIOID) & pl.col("in_scope")).fill_null(False).alias("is_op"),
            (pl.col("cls") == BENZODIAZEPINE).fill_null(False).alias("is_bz"),
            (mme * SCALE).round(0).fill_null(0).cast(pl.Int64).alias("mme"),
            (pl.col("fill_date") - pl.lit(epoch)).dt.total_days().alias("s"),
        )
        .filter(pl.col("is_op") | pl.col("is_bz"))
        .with_columns((pl.col("s") + pl.col("days_supply").cast(pl.Int64) - 1).alias("e"))
    )
    people = (
        fills.group_by(P)
        .agg(pl.col("birth").first())
        .with_columns(
            (pl.col("birth").is_null() | (pl.col("birth") <= date(year - 18, 1, 1))).alias("adult"),
            (pl.col("birth").is_null() | (pl.col("birth") <= date(year - 19, 11, 1))).alias(
                "adult_cou"
            ),
        )
    )
    dx = pl.read_parquet(diagnoses_path)
    dx = dx.select(
        pl.col(P).cast(pl.Utf8),
        (as_date("date", dx) - pl.lit(epoch)).dt.total_days().alias("d"),
        pl.col("code_system").cast(pl.Utf8),
        pl.col("code").cast(pl.Utf8),
    )
    pairs = dx.select("code_system", "code").unique()
    relevant = pairs.filter(
        pl.Series([bool(categories_of(s, c)) for s, c in pairs.iter_rows()], dtype=pl.Boolean)
    )
    dx = dx.join(relevant, on=["code_system", "code"], how="semi")

    def excluded(low: int, high: int, name: str) -> pl.DataFrame:
        inside = pl.col("d").is_null() | pl.col("d").is_between(low, high)
        return dx.filter(inside).select(P).unique().with_columns(pl.lit(True).alias(name))

    op = fills.filter("is_op")
    bz = fills.filter("is_bz")
    year_op = op.filter(pl.col("s").is_between(my_s, my_e)).with_columns(
        pl.col("e").clip(upper_bound=my_e)
    )
    year_bz = bz.filter(pl.col("s").is_between(my_s, my_e)).with_columns(
        pl.col("e").clip(upper_bound=my_e)
    )
    per = (
        year_op.group_by(P)
        .agg(
            (pl.col("mme") * (pl.col("e") - pl.col("s") + 1)).sum().alias("mme_days"),
            (pl.col("e").max() - pl.col("s").min() + 1).alias("episode"),
            pl.col("s").n_unique().alias("fill_days"),
            pl.col("days_supply").sum().alias("supply"),
        )
        .join(covered(year_op, "covered"), on=P, how="left")
        .join(people, on=P, how="left")
        .join(excluded(my_s, my_e, "excl"), on=P, how="left")
    )
    # Opioid–benzodiazepine overlap: island pairs of one patient, intersected.
    op_islands = islands(year_op, [P]).select(P, "s", "e")
    bz_islands = islands(year_bz, [P]).select(P, pl.col("s").alias("bs"), pl.col("e").alias("be"))
    overlap = (
        op_islands.join(bz_islands, on=P)
        .with_columns(
            (pl.min_horizontal("e", "be") - pl.max_horizontal("s", "bs") + 1)
            .clip(lower_bound=0)
            .alias("both")
        )
        .group_by(P)
        .agg(pl.col("both").sum())
    )
    benzo_days = year_bz.group_by(P).agg(pl.col("s").n_unique().alias("bz_days"))
    # ≥4 prescribers and ≥4 pharmacies among fills within 180 days of one fill.
    candidates = (
        year_op.group_by(P)
        .agg(pl.col("prescriber_id").n_unique().alias("np"), pl.col("pharmacy_id").n_unique())
        .filter((pl.col("np") >= 4) & (pl.col("pharmacy_id") >= 4))
        .select(P)
    )
    mine = year_op.join(candidates, on=P).select(P, "s", "prescriber_id", "pharmacy_id")
    multi = (
        mine.select(P, pl.col("s").alias("anchor"))
        .unique()
        .join(mine, on=P)
        .filter(pl.col("s").is_between(pl.col("anchor"), pl.col("anchor") + 179))
        .group_by(P, "anchor")
        .agg(pl.col("prescriber_id").n_unique().alias("np"), pl.col("pharmacy_id").n_unique())
        .filter((pl.col("np") >= 4) & (pl.col("pharmacy_id") >= 4))
        .select(P)
        .unique()
        .with_columns(pl.lit(True).alias("multi"))
    )
    flags = (
        per.join(overlap, on=P, how="left")
        .join(benzo_days, on=P, how="left")
        .join(multi, on=P, how="left")
        .with_columns(
            pl.col("excl", "multi").fill_null(False),
            pl.col("both", "bz_days").fill_null(0),
            (pl.col("mme_days") >= pl.col("episode") * 90 * SCALE).alias("high"),
        )
        .with_columns(
            (
                pl.col("adult")
                & ~pl.col("excl")
                & (pl.col("fill_days") >= 2)
                & (pl.col("supply") >= 15)
            ).alias("base"),
            (
                pl.col("adult")
                & ~pl.col("excl")
                & (pl.col("fill_days") >= 2)
                & (pl.col("covered") >= 15)
            ).alias("HDO"),
        )
        .select(
            P,
            (pl.col("base") & (pl.col("episode") >= 90)).alias("OHD"),
            (pl.col("base") & (pl.col("episode") >= 90) & pl.col("high")).alias("OHD_n"),
            pl.col("base").alias("OMP"),
            (pl.col("base") & pl.col("multi")).alias("OMP_n"),
            pl.col("base").alias("COB"),
            (pl.col("base") & (pl.col("bz_days") >= 2) & (pl.col("both") >= 30)).alias("COB_n"),
            pl.col("HDO"),
            (pl.col("HDO") & pl.col("high")).alias("HDO_n"),
        )
    )
    names = ["OHD", "OHD_n", "OMP", "OMP_n", "COB", "COB_n", "HDO", "HDO_n"]
    totals = {k: int(v) for k, v in flags.select(pl.col(names).sum()).row(0, named=True).items()}
    prescribers = year_op.select(P, "prescriber_id").unique().join(flags, on=P)
    per_prescriber = prescribers.group_by("prescriber_id").agg(pl.col(names).sum())
    # Risk of continued opioid use: the first opioid fill in the intake period, no opioid in
    # the 180 days before it, then days covered in the 62 days from it.
    first = (
        op.filter(pl.col("s").is_between(in_s, in_e)).group_by(P).agg(pl.col("s").min().alias("i"))
    )
    prior = (
        op.join(first, on=P)
        .filter((pl.col("s") < pl.col("i")) & (pl.col("s") >= pl.col("i") - 180))
        .select(P)
        .unique()
        .with_columns(pl.lit(True).alias("prior"))
    )
    window = (
        op.join(first, on=P)
        .with_columns((pl.col("s") - pl.col("i")).alias("s"), (pl.col("e") - pl.col("i")))
        .filter(pl.col("s").is_between(0, 61))
    )
    in62 = covered(window.with_columns(pl.col("e").clip(upper_bound=61)), "c62")
    in30 = covered(
        window.filter(pl.col("s") <= 29).with_columns(pl.col("e").clip(upper_bound=29)), "c30"
    )
    cou = (
        first.join(people, on=P, how="left")
        .join(prior, on=P, how="left")
        .join(excluded(in_s, my_e, "excl"), on=P, how="left")
        .join(in62, on=P, how="left")
        .join(in30, on=P, how="left")
        .with_columns(pl.col("prior", "excl").fill_null(False), pl.col("c62", "c30").fill_null(0))
        .with_columns((pl.col("adult_cou") & ~pl.col("prior") & ~pl.col("excl")).alias("den"))
        .select(
            pl.col("den").sum().alias("COU"),
            (pl.col("den") & (pl.col("c30") >= 15)).sum().alias("COU_15_30_n"),
            (pl.col("den") & (pl.col("c62") >= 31)).sum().alias("COU_31_62_n"),
        )
    )
    totals.update({k: int(v) for k, v in cou.row(0, named=True).items()})
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with open(out, "w") as handle:
        json.dump(
            {
                "seconds": seconds,
                "peak_rss_mib": peak,
                "totals": totals,
                "prescriber_rows": per_prescriber.height * 8,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
