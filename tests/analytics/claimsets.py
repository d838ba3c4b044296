"""Tiny claim sets written by hand, and a helper that runs the measures over them."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from painpath.analytics.claims import check_claims
from painpath.analytics.measures import (
    Period,
    ShardResult,
    measure_shard,
    products_of,
    with_products,
)

#: oxycodone hydrochloride 5 MG Oral Tablet: 5 mg × CDC 2022 factor 1.5 = 7.5 MME a tablet.
OXYCODONE_5 = "1049621"
#: alprazolam 1 MG Oral Tablet.
ALPRAZOLAM_1 = "197321"
YEAR = Period(2025)


def day(month: int, dom: int, year: int = 2025) -> date:
    return date(year, month, dom)


def fill(
    patient: str,
    when: date,
    days: int,
    *,
    mme: float = 0,
    tablets: float | None = None,
    code: str = OXYCODONE_5,
    prescriber: str = "DR1",
    pharmacy: str = "PH1",
    clinic: str = "CL1",
    birth: date | None = None,
) -> dict[str, Any]:
    """One claim; for oxycodone 5 mg, `mme` per day sets the tablets (7.5 MME each)."""
    quantity = tablets if tablets is not None else mme / 7.5 * days
    return {
        "patient_id": patient,
        "prescriber_id": prescriber,
        "pharmacy_id": pharmacy,
        "clinic_id": clinic,
        "rxnorm": code,
        "quantity": quantity,
        "days_supply": days,
        "fill_date": when,
        "birth_date": birth,
    }


def run(claims: list[dict[str, Any]], diagnoses: list[dict[str, Any]] | None = None) -> ShardResult:
    frame = pl.DataFrame(
        claims,
        schema={
            "patient_id": pl.Utf8,
            "prescriber_id": pl.Utf8,
            "pharmacy_id": pl.Utf8,
            "clinic_id": pl.Utf8,
            "rxnorm": pl.Utf8,
            "quantity": pl.Float64,
            "days_supply": pl.Int64,
            "fill_date": pl.Date,
            "birth_date": pl.Date,
        },
    )
    checked = check_claims(frame, 1)
    assert checked.rejects.is_empty(), checked.rejects
    products = products_of(checked.valid)
    dx = None
    if diagnoses is not None:
        dx = pl.DataFrame(
            diagnoses,
            schema={
                "patient_id": pl.Utf8,
                "code": pl.Utf8,
                "code_system": pl.Utf8,
                "date": pl.Date,
            },
        )
    return measure_shard(with_products(checked.valid, products), dx, YEAR)


def patient(result: ShardResult, patient_id: str) -> dict[str, Any]:
    rows = result.patients.filter(pl.col("patient_id") == patient_id).to_dicts()
    assert len(rows) == 1, f"{patient_id}: {len(rows)} rows"
    return rows[0]
