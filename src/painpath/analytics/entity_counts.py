"""Per prescriber, pharmacy and clinic: each measure's denominator and numerator patients
(partial counts of one shard; they add up across shards)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from painpath.analytics.intervals import PID

if TYPE_CHECKING:
    from painpath.analytics.measures import Period

ENTITIES = ("prescriber_id", "pharmacy_id", "clinic_id")


def entity_counts(claims: pl.DataFrame, patients: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Per prescriber, pharmacy and clinic: each measure's denominator and numerator patients.

    A patient counts for every entity on one of their opioid fills in the measurement year
    (OHD, OMP, COB, HDO), and for the entities on their index fill (COU).
    """
    schema = {
        "entity_type": pl.Utf8,
        "entity_id": pl.Utf8,
        "measure": pl.Utf8,
        "denominator": pl.Int64,
        "numerator": pl.Int64,
    }
    if patients.is_empty():
        return pl.DataFrame(schema=schema)
    in_year = (pl.col("fill_date") >= period.start) & (pl.col("fill_date") <= period.end)
    opioids = claims.filter(pl.col("is_opioid"))
    parts = []
    rates = (
        ("OHD", "OHD_denominator", "OHD_numerator"),
        ("OMP", "OMP_denominator", "OMP_numerator"),
        ("COB", "COB_denominator", "COB_numerator"),
        ("HDO", "HDO_denominator", "HDO_numerator"),
        ("COU_15_30", "COU_denominator", "COU_15_30_numerator"),
        ("COU_31_62", "COU_denominator", "COU_31_62_numerator"),
    )
    year_claims = opioids.filter(in_year)
    index_claims = opioids.join(
        patients.select(PID, "ipsd").drop_nulls(), on=PID, how="inner"
    ).filter(pl.col("fill_date") == pl.col("ipsd"))
    for entity in ENTITIES:
        for source, names in ((year_claims, rates[:4]), (index_claims, rates[4:])):
            flags = sorted({name for _, den, num in names for name in (den, num)})
            links = source.select(PID, pl.col(entity).alias("entity_id")).unique()
            # One group-by per entity and source sums every measure's flags at once.
            sums = (
                links.join(patients.select(PID, *flags), on=PID, how="inner")
                .group_by("entity_id")
                .agg(pl.col(flags).fill_null(False).sum().cast(pl.Int64))
            )
            for measure, den, num in names:
                parts.append(
                    sums.select(
                        pl.lit(entity.removesuffix("_id")).alias("entity_type"),
                        "entity_id",
                        pl.lit(measure).alias("measure"),
                        pl.col(den).alias("denominator"),
                        pl.col(num).alias("numerator"),
                    )
                )
    return pl.concat(parts).filter(pl.col("denominator") > 0).cast(schema)  # type: ignore[arg-type]
