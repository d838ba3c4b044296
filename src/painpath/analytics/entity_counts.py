"""Per prescriber, pharmacy and clinic: each measure's denominator and numerator patients.

A shard writes partial counts, one row per entity and source with a column per flag (wide:
few rows to add up across shards); the gather adds them up and turns them into one row per
entity and measure (`entity_totals`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from painpath.analytics.intervals import PID

if TYPE_CHECKING:
    from painpath.analytics.measures import Period

ENTITIES = ("prescriber_id", "pharmacy_id", "clinic_id")
#: (measure, denominator flag, numerator flag) counted from the opioid fills in the year …
YEAR_RATES = (
    ("OHD", "OHD_denominator", "OHD_numerator"),
    ("OMP", "OMP_denominator", "OMP_numerator"),
    ("COB", "COB_denominator", "COB_numerator"),
    ("HDO", "HDO_denominator", "HDO_numerator"),
)
#: … and from the index fill (COU).
INDEX_RATES = (
    ("COU_15_30", "COU_denominator", "COU_15_30_numerator"),
    ("COU_31_62", "COU_denominator", "COU_31_62_numerator"),
)
FLAGS = tuple(dict.fromkeys(f for _, den, num in (*YEAR_RATES, *INDEX_RATES) for f in (den, num)))
PARTIAL_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "entity_type": pl.Utf8,
    "entity_id": pl.Utf8,
    **dict.fromkeys(FLAGS, pl.Int64),
}


def entity_counts(claims: pl.DataFrame, patients: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Partial counts of one shard: per entity, how many of its patients have each flag.

    A patient counts for every entity on one of their opioid fills in the measurement year
    (OHD, OMP, COB, HDO), and for the entities on their index fill (COU).
    """
    if patients.is_empty():
        return pl.DataFrame(schema=PARTIAL_SCHEMA)
    in_year = (pl.col("fill_date") >= period.start) & (pl.col("fill_date") <= period.end)
    opioids = claims.filter(pl.col("is_opioid"))
    year_claims = opioids.filter(in_year)
    index_claims = opioids.join(
        patients.select(PID, "ipsd").drop_nulls(), on=PID, how="inner"
    ).filter(pl.col("fill_date") == pl.col("ipsd"))
    parts = []
    for entity in ENTITIES:
        for source, rates in ((year_claims, YEAR_RATES), (index_claims, INDEX_RATES)):
            flags = list(dict.fromkeys(f for _, den, num in rates for f in (den, num)))
            links = source.select(PID, pl.col(entity).alias("entity_id")).unique()
            # One group-by per entity and source sums every measure's flags at once.
            parts.append(
                links.join(patients.select(PID, *flags), on=PID, how="inner")
                .group_by("entity_id")
                .agg(pl.col(flags).fill_null(False).sum().cast(pl.Int64))
                .with_columns(pl.lit(entity.removesuffix("_id")).alias("entity_type"))
            )
    partial = pl.concat([pl.DataFrame(schema=PARTIAL_SCHEMA), *parts], how="diagonal")
    return partial.with_columns(pl.col(FLAGS).fill_null(0))


def entity_totals(partials: pl.DataFrame) -> pl.DataFrame:
    """Partial counts (of any number of shards) → entity_type, entity_id, measure,
    denominator, numerator, rate: one row per entity and measure with denominator patients."""
    sums = partials.group_by("entity_type", "entity_id").agg(pl.col(FLAGS).sum())
    rows = pl.concat(
        [
            sums.select(
                "entity_type",
                "entity_id",
                pl.lit(measure).alias("measure"),
                pl.col(den).alias("denominator"),
                pl.col(num).alias("numerator"),
            )
            for measure, den, num in (*YEAR_RATES, *INDEX_RATES)
        ]
    )
    return (
        rows.filter(pl.col("denominator") > 0)
        .with_columns((pl.col("numerator") / pl.col("denominator")).alias("rate"))
        .sort("entity_type", "entity_id", "measure")
    )
