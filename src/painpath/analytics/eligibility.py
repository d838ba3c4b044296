"""Who is in a measure's denominator: exclusion categories from diagnosis codes (cancer,
sickle cell disease, hospice and palliative care) and the adult age rule."""

from __future__ import annotations

from datetime import date

import polars as pl

from painpath.analytics.intervals import PID
from painpath.analytics.knowledge import EXCLUSION_CATEGORIES, categories_of

ADULT_AGE = 18


def exclusions(diagnoses: pl.DataFrame | None, low: date, high: date) -> pl.DataFrame:
    """Per patient, the exclusion categories of diagnoses dated in [low, high] (or undated)."""
    schema = {PID: pl.Utf8, **{c: pl.Boolean for c in EXCLUSION_CATEGORIES}}
    if diagnoses is None or diagnoses.is_empty():
        return pl.DataFrame(schema=schema)
    dated = diagnoses.filter(
        pl.col("date").is_null() | ((pl.col("date") >= low) & (pl.col("date") <= high))
    )
    codes = dated.select("code_system", "code").unique()
    mapping = {
        (system, code): categories_of(system, code)
        for system, code in codes.iter_rows()
        if system is not None and code is not None
    }
    rows = [
        {"code_system": s, "code": c, **{cat: cat in cats for cat in EXCLUSION_CATEGORIES}}
        for (s, c), cats in mapping.items()
        if cats
    ]
    if not rows:
        return pl.DataFrame(schema=schema)
    table = pl.DataFrame(
        rows,
        schema={
            "code_system": pl.Utf8,
            "code": pl.Utf8,
            **{c: pl.Boolean for c in EXCLUSION_CATEGORIES},
        },
    )
    return (
        dated.join(table, on=["code_system", "code"], how="inner")
        .group_by(PID)
        .agg(*[pl.col(c).any() for c in EXCLUSION_CATEGORIES])
    )


def exclusion_flag(frame: pl.DataFrame, prefix: str) -> pl.Expr:
    return pl.any_horizontal(
        *[pl.col(f"{prefix}{c}").fill_null(False) for c in EXCLUSION_CATEGORIES]
    )


def adult_on(birth: pl.Expr, day: date) -> pl.Expr:
    """18 or older on `day`; a patient without a birth date is taken as an adult."""
    cutoff = date(day.year - ADULT_AGE, day.month, day.day)
    return birth.is_null() | (birth <= cutoff)
