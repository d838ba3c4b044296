"""The opioid-safety measures for the claims of a set of patients (one shard), as polars frames.

Pure functions: claims (validated, products resolved) and diagnoses in; per-patient results,
per-entity partial counts and the piecewise daily MME out. A patient's claims are always in
one shard, so partial counts add up exactly across shards. Definitions, sources and versions:
knowledge/measures.json and docs/analytics.md.

Daily MME is kept as integer ten-thousandths so sums over overlapping fills are exact: a sweep
over fill starts and ends gives, per patient, segments of constant MME, opioid and
benzodiazepine counts; days covered are the union of fills (a day counts once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from painpath.analytics.eligibility import adult_on, exclusion_flag, exclusions
from painpath.analytics.entity_counts import entity_counts
from painpath.analytics.intervals import (
    PID,
    clip_to,
    covered_days,
    days_between,
    keyed,
    patient_keys,
    sweep,
    with_ids,
)
from painpath.analytics.knowledge import EXCLUSION_CATEGORIES
from painpath.analytics.products import BENZODIAZEPINE, OPIOID, product_rows

MME_SCALE = 10_000
HIGH_MME = 90
OHD_MIN_EPISODE_DAYS = 90
MIN_DAYS_SUPPLY = 15
OMP_PRESCRIBERS = 4
OMP_PHARMACIES = 4
OMP_WINDOW_DAYS = 180
COB_MIN_OVERLAP_DAYS = 30
COU_NEGATIVE_HISTORY_DAYS = 180


@dataclass(frozen=True)
class Period:
    """The measurement year, and the COU intake period (Nov 1 of the prior year–Oct 31)."""

    year: int

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 12, 31)

    @property
    def intake_start(self) -> date:
        return date(self.year - 1, 11, 1)

    @property
    def intake_end(self) -> date:
        return date(self.year, 10, 31)


@dataclass(frozen=True)
class ShardResult:
    patients: pl.DataFrame
    entities: pl.DataFrame
    daily_mme: pl.DataFrame


PRODUCT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "rxnorm": pl.Utf8,
    "measure_class": pl.Utf8,
    "ingredient": pl.Utf8,
    "mme_per_unit": pl.Float64,
    "mme_per_day_fixed": pl.Float64,
    "mme_problem": pl.Utf8,
    "out_of_scope": pl.Utf8,
}


def products_of(claims: pl.DataFrame) -> pl.DataFrame:
    """The products of the claims' RxNorm codes, each resolved once (`products.resolve`)."""
    codes = sorted(claims["rxnorm"].drop_nulls().unique().to_list())
    return pl.DataFrame(product_rows(codes), schema=PRODUCT_SCHEMA)


def with_products(claims: pl.DataFrame, products: pl.DataFrame) -> pl.DataFrame:
    """Claims with class, ingredient, scope, supply end and MME/day (scaled; null: unknown)."""
    joined = claims.join(products, on="rxnorm", how="left")
    mme = (
        pl.when(pl.col("mme_per_day_fixed").is_not_null())
        .then(pl.col("mme_per_day_fixed"))
        .otherwise(pl.col("mme_per_unit") * pl.col("quantity") / pl.col("days_supply"))
    )
    return joined.with_columns(
        (pl.col("fill_date") + pl.duration(days=pl.col("days_supply") - 1)).alias("supply_end"),
        (mme * MME_SCALE).round(0).cast(pl.Int64).alias("mme_scaled"),
        ((pl.col("measure_class") == OPIOID) & pl.col("out_of_scope").is_null())
        .fill_null(False)
        .alias("is_opioid"),
        (pl.col("measure_class") == BENZODIAZEPINE).fill_null(False).alias("is_benzo"),
    )


def _multiple_providers(opioids: pl.DataFrame, base: pl.DataFrame) -> pl.Series:
    """Patients with ≥4 prescribers and ≥4 pharmacies among fills within 180 days.

    `base`: per patient, the prescribers and pharmacies of all their fills in the year (only
    those with enough of both in the year can have enough within 180 days). Every fill opens a
    window of 180 days from its date on (a rolling group-by: contiguous slices of the fills in
    date order, never a list of pairs)."""
    wanted = base.filter(
        (pl.col("prescribers") >= OMP_PRESCRIBERS) & (pl.col("pharmacies") >= OMP_PHARMACIES)
    )[PID]
    windows = (
        opioids.filter(pl.col(PID).is_in(wanted.implode()))
        .select(PID, "fill_date", "prescriber_id", "pharmacy_id")
        .sort(PID, "fill_date")
        .rolling(
            index_column="fill_date",
            period=f"{OMP_WINDOW_DAYS}d",
            offset="-1d",  # the window (date − 1 day, date + 179 days]: the fill's day on
            group_by=PID,
        )
        .agg(
            pl.col("prescriber_id").n_unique().alias("prescribers"),
            pl.col("pharmacy_id").n_unique().alias("pharmacies"),
        )
    )
    found = windows.filter(
        (pl.col("prescribers") >= OMP_PRESCRIBERS) & (pl.col("pharmacies") >= OMP_PHARMACIES)
    )
    return found[PID].unique()


def _year_measures(claims: pl.DataFrame, period: Period, excluded: pl.DataFrame) -> pl.DataFrame:
    """OHD, OMP, COB and HDO per patient with an opioid fill in the measurement year."""
    in_year = (pl.col("fill_date") >= period.start) & (pl.col("fill_date") <= period.end)
    opioids = clip_to(claims.filter(pl.col("is_opioid") & in_year), period.start, period.end)
    benzos = clip_to(claims.filter(pl.col("is_benzo") & in_year), period.start, period.end)
    if opioids.is_empty():
        return pl.DataFrame()
    base = opioids.group_by(PID).agg(
        pl.len().alias("opioid_claims"),
        pl.col("fill_date").n_unique().alias("opioid_fill_dates"),
        pl.col("days_supply").sum().alias("cumulative_days_supply"),
        pl.col("fill_date").min().alias("episode_start"),
        pl.col("e").max().alias("episode_end"),
        pl.col("mme_scaled").is_not_null().all().alias("mme_complete"),
        pl.col("prescriber_id").n_unique().alias("prescribers"),
        pl.col("pharmacy_id").n_unique().alias("pharmacies"),
        pl.col("birth_date").drop_nulls().first().alias("birth_date"),
    )
    bz = benzos.group_by(PID).agg(pl.col("fill_date").n_unique().alias("benzo_fill_dates"))
    covered = covered_days(opioids, "days_covered")
    segments = sweep(opioids, benzos)
    per_segment = segments.group_by(PID).agg(
        (pl.col("days") * ((pl.col("op") > 0) & (pl.col("bz") > 0))).sum().alias("concurrent_days"),
        (pl.col("mme") * pl.col("days")).sum().alias("mme_days_scaled"),
        pl.col("mme").max().alias("max_mme_scaled"),
    )
    multi = _multiple_providers(opioids, base)
    table = (
        base.join(bz, on=PID, how="left")
        .join(covered, on=PID, how="left")
        .join(per_segment, on=PID, how="left")
        .join(excluded, on=PID, how="left")
        .with_columns(
            (days_between(pl.col("episode_end"), pl.col("episode_start")) + 1).alias(
                "episode_days"
            ),
            pl.col("benzo_fill_dates").fill_null(0),
            pl.col("concurrent_days").fill_null(0),
        )
    )
    # Average MME over the episode, exactly: compare scaled integers, no float rounding.
    high = pl.col("mme_days_scaled") >= pl.col("episode_days") * HIGH_MME * MME_SCALE
    adult = adult_on(pl.col("birth_date"), period.start)
    is_excluded = exclusion_flag(table, "")
    pqa_base = (
        adult
        & (pl.col("opioid_fill_dates") >= 2)
        & (pl.col("cumulative_days_supply") >= MIN_DAYS_SUPPLY)
    )
    table = table.with_columns(
        (pl.col("mme_days_scaled") / pl.col("episode_days") / MME_SCALE).alias("average_daily_mme"),
        (pl.col("max_mme_scaled") / MME_SCALE).alias("max_daily_mme"),
        is_excluded.alias("excluded"),
        (pqa_base & (pl.col("episode_days") >= OHD_MIN_EPISODE_DAYS) & ~is_excluded).alias(
            "OHD_denominator"
        ),
        (pqa_base & ~is_excluded).alias("OMP_denominator"),
        (pqa_base & ~is_excluded).alias("COB_denominator"),
        (
            adult
            & (pl.col("opioid_fill_dates") >= 2)
            & (pl.col("days_covered") >= MIN_DAYS_SUPPLY)
            & ~is_excluded
        ).alias("HDO_denominator"),
        high.alias("_high"),
        pl.col(PID).is_in(multi.implode()).alias("_multi"),
    )
    return table.with_columns(
        (pl.col("OHD_denominator") & pl.col("_high")).alias("OHD_numerator"),
        (pl.col("OMP_denominator") & pl.col("_multi")).alias("OMP_numerator"),
        (
            pl.col("COB_denominator")
            & (pl.col("benzo_fill_dates") >= 2)
            & (pl.col("concurrent_days") >= COB_MIN_OVERLAP_DAYS)
        ).alias("COB_numerator"),
        (pl.col("HDO_denominator") & pl.col("_high")).alias("HDO_numerator"),
    ).drop("_high", "_multi", "mme_days_scaled", "max_mme_scaled", *EXCLUSION_CATEGORIES)


def _continued_use(claims: pl.DataFrame, period: Period, excluded: pl.DataFrame) -> pl.DataFrame:
    """COU per patient with an opioid fill in the intake period."""
    opioids = claims.filter(pl.col("is_opioid"))
    intake = opioids.filter(
        (pl.col("fill_date") >= period.intake_start) & (pl.col("fill_date") <= period.intake_end)
    )
    if intake.is_empty():
        return pl.DataFrame()
    index = intake.group_by(PID).agg(
        pl.col("fill_date").min().alias("ipsd"),
        pl.col("birth_date").drop_nulls().first().alias("cou_birth_date"),
    )
    with_index = opioids.join(index, on=PID, how="inner")
    history = (
        with_index.filter(
            (pl.col("fill_date") < pl.col("ipsd"))
            & (pl.col("fill_date") >= pl.col("ipsd") - pl.duration(days=COU_NEGATIVE_HISTORY_DAYS))
        )
        .select(PID)
        .unique()
        .with_columns(pl.lit(True).alias("prior_opioid"))
    )
    windows = []
    for days, name in ((30, "cou_days_30"), (62, "cou_days_62")):
        window = with_index.filter(
            (pl.col("fill_date") >= pl.col("ipsd"))
            & (pl.col("fill_date") <= pl.col("ipsd") + pl.duration(days=days - 1))
        ).with_columns(
            pl.col("fill_date").alias("s"),
            pl.min_horizontal("supply_end", pl.col("ipsd") + pl.duration(days=days - 1)).alias("e"),
        )
        windows.append(covered_days(window.select(PID, "s", "e"), name))
    table = (
        index.join(history, on=PID, how="left")
        .join(windows[0], on=PID, how="left")
        .join(windows[1], on=PID, how="left")
        .join(excluded, on=PID, how="left")
    )
    is_excluded = exclusion_flag(table, "")
    denominator = (
        adult_on(pl.col("cou_birth_date"), period.intake_start)
        & pl.col("prior_opioid").is_null()
        & ~is_excluded
    )
    return table.select(
        PID,
        "ipsd",
        pl.col("cou_days_30").fill_null(0),
        pl.col("cou_days_62").fill_null(0),
        denominator.alias("COU_denominator"),
        (denominator & (pl.col("cou_days_30").fill_null(0) >= 15)).alias("COU_15_30_numerator"),
        (denominator & (pl.col("cou_days_62").fill_null(0) >= 31)).alias("COU_31_62_numerator"),
        is_excluded.alias("cou_excluded"),
    )


PATIENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    PID: pl.Utf8,
    "opioid_claims": pl.UInt32,
    "opioid_fill_dates": pl.UInt32,
    "cumulative_days_supply": pl.Int64,
    "days_covered": pl.Int64,
    "episode_start": pl.Date,
    "episode_end": pl.Date,
    "episode_days": pl.Int64,
    "average_daily_mme": pl.Float64,
    "max_daily_mme": pl.Float64,
    "mme_complete": pl.Boolean,
    "prescribers": pl.UInt32,
    "pharmacies": pl.UInt32,
    "benzo_fill_dates": pl.UInt32,
    "concurrent_days": pl.Int64,
    "excluded": pl.Boolean,
    "OHD_denominator": pl.Boolean,
    "OHD_numerator": pl.Boolean,
    "OMP_denominator": pl.Boolean,
    "OMP_numerator": pl.Boolean,
    "COB_denominator": pl.Boolean,
    "COB_numerator": pl.Boolean,
    "HDO_denominator": pl.Boolean,
    "HDO_numerator": pl.Boolean,
    "ipsd": pl.Date,
    "cou_days_30": pl.Int64,
    "cou_days_62": pl.Int64,
    "COU_denominator": pl.Boolean,
    "COU_15_30_numerator": pl.Boolean,
    "COU_31_62_numerator": pl.Boolean,
}


def measure_shard(
    claims: pl.DataFrame, diagnoses: pl.DataFrame | None, period: Period
) -> ShardResult:
    """Every measure for the patients of `claims` (see `with_products` for its columns)."""
    claims, names = patient_keys(claims)
    year_excluded = keyed(exclusions(diagnoses, period.start, period.end), names)
    cou_excluded = keyed(exclusions(diagnoses, period.intake_start, period.end), names)
    year = _year_measures(claims, period, year_excluded)
    cou = _continued_use(claims, period, cou_excluded)
    frames = [f for f in (year, cou) if not f.is_empty()]
    key_schema = {**PATIENT_SCHEMA, PID: claims.schema[PID]}
    if not frames:
        patients = pl.DataFrame(schema=key_schema)
    elif len(frames) == 1:
        patients = frames[0]
    else:
        patients = year.join(cou, on=PID, how="full", coalesce=True)
    if not patients.is_empty():
        if "cou_excluded" in patients.columns:
            excluded = pl.col("excluded") if "excluded" in patients.columns else pl.lit(False)
            patients = patients.with_columns(
                (excluded.fill_null(False) | pl.col("cou_excluded").fill_null(False)).alias(
                    "excluded"
                )
            ).drop("cou_excluded")
        missing = [name for name in PATIENT_SCHEMA if name not in patients.columns]
        patients = (
            patients.with_columns(*[pl.lit(None).alias(name) for name in missing])
            .select(
                [
                    pl.col(name).cast(dtype).fill_null(False)
                    if name.endswith(("_denominator", "_numerator"))
                    else pl.col(name).cast(dtype)
                    for name, dtype in key_schema.items()
                ]
            )
            .sort(PID)
        )
    in_year = (pl.col("fill_date") >= period.start) & (pl.col("fill_date") <= period.end)
    daily = sweep(
        clip_to(claims.filter(pl.col("is_opioid") & in_year), period.start, period.end),
        pl.DataFrame(),
    )
    daily_mme = with_ids(
        daily.filter(pl.col("op") > 0)
        .select(
            PID,
            pl.col("date").alias("start"),
            (pl.col("next") - pl.duration(days=1)).alias("end"),
            (pl.col("mme") / MME_SCALE).alias("mme_per_day"),
        )
        .sort(PID, "start"),
        names,
    )
    entities = entity_counts(claims, patients, period)
    return ShardResult(with_ids(patients, names), entities, daily_mme)
