"""Day-interval arithmetic on fills, per patient: days covered (each day once), the sweep into
segments of constant opioid count, benzodiazepine count and daily MME, and clipping to a
period. Frames have `patient_id` and fill intervals `s`..`e` (dates, inclusive).

`patient_id` here is an integer key (`patient_keys`): the measures number a shard's patients
once, so that sorting, running sums and group-bys work on integers, not text. The running
quantities of one patient are computed by one scan over the whole frame, without a per-patient
window: (patient, day) is packed into one sortable integer (`_packed`), so a running maximum
never crosses from one patient into the next, and a sweep's running sums return to zero at the
end of every patient (each fill adds at its start what it takes away after its end).
"""

from __future__ import annotations

from datetime import date

import polars as pl

PID = "patient_id"
#: Days since 1970 are shifted by this into a positive range before packing: dates from
#: 1900 (−25,567) to beyond 2100 (+47,846), with room for the windows the measures add.
_DAY_OFFSET = 1 << 17
_DAY_BITS = 19
_DAY_SPAN = 1 << _DAY_BITS


def days_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days()


def patient_keys(claims: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The claims (same order) with `patient_id` replaced by an integer key (1, 2, … in the
    order of the ids), and the key → id table to put the ids back."""
    keyed = claims.with_columns(pl.col(PID).rank("dense").cast(pl.Int64).alias("_key"))
    names = keyed.select("_key", PID).unique("_key").sort("_key")
    return keyed.drop(PID).rename({"_key": PID}), names


def with_ids(frame: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """`frame` keyed by `patient_keys`' integers, with the patient ids back (same order)."""
    columns = frame.columns
    return (
        frame.rename({PID: "_key"})
        .join(names, on="_key", how="left", maintain_order="left")
        .select(columns)
    )


def keyed(frame: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """`frame` keyed by patient id, re-keyed by `patient_keys`' integers (others dropped)."""
    columns = frame.columns
    return frame.join(names, on=PID, how="inner").drop(PID).rename({"_key": PID}).select(columns)


def _packed(day: pl.Expr) -> pl.Expr:
    """(patient key, day) as one integer that sorts by patient, then day."""
    return (pl.col(PID).cast(pl.Int64) * _DAY_SPAN) + (
        day.cast(pl.Int32).cast(pl.Int64) + _DAY_OFFSET
    )


def _unpacked_day(packed: pl.Expr) -> pl.Expr:
    return ((packed % _DAY_SPAN) - _DAY_OFFSET).cast(pl.Int32).cast(pl.Date)


def covered_days(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Per patient, the number of days in the union of [s, e] intervals (each day once)."""
    if frame.is_empty():
        return pl.DataFrame(schema={PID: frame.schema.get(PID, pl.Int64), name: pl.Int64})
    ordered = frame.filter(pl.col("s") <= pl.col("e")).sort(PID, "s")
    # The latest end among the patient's earlier fills: a running maximum of (patient, end),
    # which never carries one patient's end into the next patient's rows.
    reach = _unpacked_day(_packed(pl.col("e")).cum_max().shift(1))
    same = pl.col(PID).shift(1) == pl.col(PID)
    start = pl.when(same).then(pl.max_horizontal("s", reach + pl.duration(days=1)))
    return (
        ordered.select(
            PID,
            (days_between(pl.col("e"), start.otherwise(pl.col("s"))) + 1)
            .clip(lower_bound=0)
            .alias(name),
        )
        .group_by(PID)
        .agg(pl.col(name).sum())
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
            _packed(pl.col("s")).alias("at"),
            (one if is_op else zero).alias("d_op"),
            (zero if is_op else one).alias("d_bz"),
            mme.alias("d_mme"),
        )
        stop = frame.select(
            _packed(pl.col("e") + pl.duration(days=1)).alias("at"),
            (-one if is_op else zero).alias("d_op"),
            (zero if is_op else -one).alias("d_bz"),
            (-mme).alias("d_mme"),
        )
        parts += [start, stop]
    if not parts:
        key = opioids.schema.get(PID, benzos.schema.get(PID, pl.Int64))
        return pl.DataFrame(
            schema={
                PID: key,
                "date": pl.Date,
                "next": pl.Date,
                "op": pl.Int32,
                "bz": pl.Int32,
                "mme": pl.Int64,
                "days": pl.Int64,
            }
        )
    # Running sums over all events in (patient, day) order: every patient's sums start and
    # end at zero, so one scan gives each patient's own; the last event of a day holds the
    # state from that day on.
    events = (
        pl.concat(parts)
        .sort("at")
        .with_columns(
            pl.col("d_op").cum_sum().alias("op"),
            pl.col("d_bz").cum_sum().alias("bz"),
            pl.col("d_mme").cum_sum().alias("mme"),
        )
        .filter(pl.col("at") != pl.col("at").shift(-1).fill_null(-1))
        .select(
            (pl.col("at") // _DAY_SPAN).alias(PID),
            _unpacked_day(pl.col("at")).alias("date"),
            "op",
            "bz",
            "mme",
        )
    )
    following = pl.col("date").shift(-1)
    segments = events.with_columns(
        pl.when(pl.col(PID).shift(-1) == pl.col(PID)).then(following).alias("next")
    )
    key_type = (opioids if not opioids.is_empty() else benzos).schema[PID]
    return segments.filter(pl.col("next").is_not_null()).select(
        pl.col(PID).cast(key_type),
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
