"""Day-interval arithmetic on fills, per patient: days covered (each day once), the sweep into
segments of constant opioid count, benzodiazepine count and daily MME, and clipping to a
period. Frames have `patient_id` and fill intervals `s`..`e` (dates, inclusive)."""

from __future__ import annotations

from datetime import date

import polars as pl

PID = "patient_id"


def days_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days()


def covered_days(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Per patient, the number of days in the union of [s, e] intervals (each day once)."""
    if frame.is_empty():
        return pl.DataFrame(schema={PID: pl.Utf8, name: pl.Int64})
    ordered = frame.filter(pl.col("s") <= pl.col("e")).sort(PID, "s")
    ordered = ordered.with_columns(
        pl.col("e").cum_max().shift(1).over(PID).alias("reach")
    ).with_columns(pl.max_horizontal("s", pl.col("reach") + pl.duration(days=1)).alias("from"))
    return ordered.group_by(PID).agg(
        (days_between(pl.col("e"), pl.col("from")) + 1).clip(lower_bound=0).sum().alias(name)
    )


def sweep(opioids: pl.DataFrame, benzos: pl.DataFrame) -> pl.DataFrame:
    """Segments [date, next) of constant opioid count, benzodiazepine count and scaled MME."""
    parts = []
    for frame, is_op in ((opioids, True), (benzos, False)):
        if frame.is_empty():
            continue
        one = pl.lit(1, pl.Int32)
        zero = pl.lit(0, pl.Int32)
        mme = pl.col("mme_scaled").fill_null(0) if is_op else pl.lit(0, pl.Int64)
        start = frame.select(
            PID,
            pl.col("s").alias("date"),
            (one if is_op else zero).alias("d_op"),
            (zero if is_op else one).alias("d_bz"),
            mme.alias("d_mme"),
        )
        stop = frame.select(
            PID,
            (pl.col("e") + pl.duration(days=1)).alias("date"),
            (-one if is_op else zero).alias("d_op"),
            (zero if is_op else -one).alias("d_bz"),
            (-mme).alias("d_mme"),
        )
        parts += [start, stop]
    if not parts:
        return pl.DataFrame(
            schema={
                PID: pl.Utf8,
                "date": pl.Date,
                "next": pl.Date,
                "op": pl.Int32,
                "bz": pl.Int32,
                "mme": pl.Int64,
                "days": pl.Int64,
            }
        )
    events = (
        pl.concat(parts)
        .group_by(PID, "date")
        .agg(pl.col("d_op").sum(), pl.col("d_bz").sum(), pl.col("d_mme").sum())
        .sort(PID, "date")
    )
    segments = events.with_columns(
        pl.col("d_op").cum_sum().over(PID).alias("op"),
        pl.col("d_bz").cum_sum().over(PID).alias("bz"),
        pl.col("d_mme").cum_sum().over(PID).alias("mme"),
        pl.col("date").shift(-1).over(PID).alias("next"),
    )
    return segments.filter(pl.col("next").is_not_null()).select(
        PID,
        "date",
        "next",
        pl.col("op").cast(pl.Int32),
        pl.col("bz").cast(pl.Int32),
        "mme",
        days_between(pl.col("next"), pl.col("date")).alias("days"),
    )


def clip_to(frame: pl.DataFrame, low: date, high: date) -> pl.DataFrame:
    return frame.with_columns(
        pl.max_horizontal(pl.col("fill_date"), pl.lit(low)).alias("s"),
        pl.min_horizontal(pl.col("supply_end"), pl.lit(high)).alias("e"),
    )
