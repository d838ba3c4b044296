"""The pharmacy-claims input: its schema, and validation that reports every bad row.

One row per dispensing (Parquet; column names as below, other columns ignored):

    column         type                 rule
    patient_id     string               required, 1-64 characters
    prescriber_id  string               required, 1-64 characters (NPI or local id)
    pharmacy_id    string               required, 1-64 characters (NCPDP, NPI or local id)
    clinic_id      string               required, 1-64 characters (the prescriber's clinic)
    rxnorm         string               RxNorm concept id (digits); this or ndc is required
    ndc            string               NDC, 11 digits or 10 digits with hyphens (4-4-2, 5-3-2,
                                        5-4-1), normalised to 11 digits; needs --ndc-map
    quantity       number               > 0 and ≤ 100,000 units dispensed (tablets, mL, patches)
    days_supply    integer              1-365
    fill_date      date (or YYYY-MM-DD) 1900-01-01 … 2100-12-31
    birth_date     date, optional       when present, the measures apply their age limits

Diagnoses (optional, for the exclusions): patient_id, code (ICD-10-CM, or HCPCS when
`code_system` says so; dots ignored), optional code_system (`ICD-10-CM` default or `HCPCS`),
optional date (undated diagnoses apply to every period).

A row that breaks a rule is never dropped silently: it goes to `rejects.parquet` with its row
number (1 = the file's first data row), the column and the rule, and the summary counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

REQUIRED_TEXT = ("patient_id", "prescriber_id", "pharmacy_id", "clinic_id")
REQUIRED = (*REQUIRED_TEXT, "quantity", "days_supply", "fill_date")
#: Every column the checks read (the others in a file are ignored, never read).
COLUMNS = (*REQUIRED, "rxnorm", "ndc", "birth_date")
MAX_ID = 64
MAX_QUANTITY = 100_000
MAX_DAYS_SUPPLY = 365
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
REJECT_SCHEMA = {"row": pl.Int64, "column": pl.Utf8, "problem": pl.Utf8, "value": pl.Utf8}


class ClaimsError(ValueError):
    """The file as a whole cannot be read as claims (a missing column, not a table)."""


@dataclass(frozen=True)
class Checked:
    valid: pl.DataFrame
    rejects: pl.DataFrame


def check_columns(names: list[str], path: str) -> None:
    """Refuse a file without the required columns (before anything is written)."""
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ClaimsError(f"{path}: missing column(s) {', '.join(missing)}")
    if "rxnorm" not in names and "ndc" not in names:
        raise ClaimsError(f"{path}: needs an rxnorm or an ndc column")


def _as_date(frame: pl.DataFrame, name: str) -> pl.Expr:
    dtype = frame.schema[name]
    column = pl.col(name)
    if dtype == pl.Date:
        return column
    if isinstance(dtype, pl.Datetime):
        return column.dt.date()
    return column.cast(pl.Utf8).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Utf8).str.strip_chars()


def normalize_ndc(column: pl.Expr) -> pl.Expr:
    """NDC text → 11 digits (5-4-2): hyphenated 4-4-2, 5-3-2 and 5-4-1 are padded; else null."""
    text = column.cast(pl.Utf8).str.strip_chars()
    parts = text.str.split("-")
    padded = (
        pl.when(text.str.contains(r"^\d{11}$"))
        .then(text)
        .when(text.str.contains(r"^\d{4}-\d{4}-\d{2}$"))
        .then(pl.lit("0") + text.str.replace_all("-", ""))
        .when(text.str.contains(r"^\d{5}-\d{3}-\d{2}$"))
        .then(parts.list.get(0) + pl.lit("0") + parts.list.get(1) + parts.list.get(2))
        .when(text.str.contains(r"^\d{5}-\d{4}-\d{1}$"))
        .then(parts.list.get(0) + parts.list.get(1) + pl.lit("0") + parts.list.get(2))
        .when(text.str.contains(r"^\d{5}-\d{4}-\d{2}$"))
        .then(text.str.replace_all("-", ""))
        .otherwise(None)
    )
    return padded


def check_claims(frame: pl.DataFrame, first_row: int) -> Checked:
    """Typed valid rows (with `row`), and one reject per bad row (its first broken rule).

    `first_row` is the file row number of the frame's first row (1-based).
    """
    n = frame.height
    has_rx = "rxnorm" in frame.columns
    has_ndc = "ndc" in frame.columns
    has_birth = "birth_date" in frame.columns
    typed = frame.select(
        pl.int_range(first_row, first_row + n, dtype=pl.Int64).alias("row"),
        *[_text(name).alias(name) for name in REQUIRED_TEXT],
        (_text("rxnorm") if has_rx else pl.lit(None, pl.Utf8)).alias("rxnorm"),
        (_text("ndc") if has_ndc else pl.lit(None, pl.Utf8)).alias("ndc_raw"),
        pl.col("quantity").cast(pl.Float64, strict=False).alias("quantity"),
        pl.col("days_supply").cast(pl.Float64, strict=False).alias("days_supply_raw"),
        _as_date(frame, "fill_date").alias("fill_date"),
        (_as_date(frame, "birth_date") if has_birth else pl.lit(None, pl.Date)).alias("birth_date"),
        (pl.col("birth_date").is_not_null() if has_birth else pl.lit(False)).alias("_has_birth"),
    ).with_columns(normalize_ndc(pl.col("ndc_raw")).alias("ndc"))
    rules: list[tuple[str, pl.Expr, str]] = []
    for name in REQUIRED_TEXT:
        value = pl.col(name)
        rules.append((name, value.is_null() | (value.str.len_chars() == 0), "is empty"))
        rules.append((name, value.str.len_chars() > MAX_ID, f"is longer than {MAX_ID}"))
    rx, ndc_raw = pl.col("rxnorm"), pl.col("ndc_raw")
    no_rx = rx.is_null() | (rx.str.len_chars() == 0)
    no_ndc = ndc_raw.is_null() | (ndc_raw.str.len_chars() == 0)
    rules += [
        ("rxnorm", no_rx & no_ndc, "neither rxnorm nor ndc is given"),
        ("rxnorm", ~no_rx & ~rx.str.contains(r"^\d{1,10}$"), "is not an RxNorm id (digits)"),
        (
            "ndc",
            no_rx & ~no_ndc & pl.col("ndc").is_null(),
            "is not an NDC (11 digits or 4-4-2, 5-3-2, 5-4-1 with hyphens)",
        ),
        ("quantity", pl.col("quantity").is_null(), "is not a number"),
        ("quantity", pl.col("quantity").is_nan() | (pl.col("quantity") <= 0), "must be > 0"),
        ("quantity", pl.col("quantity") > MAX_QUANTITY, f"must be ≤ {MAX_QUANTITY}"),
        ("days_supply", pl.col("days_supply_raw").is_null(), "is not a number"),
        (
            "days_supply",
            (pl.col("days_supply_raw") != pl.col("days_supply_raw").floor())
            | pl.col("days_supply_raw").is_nan(),
            "is not a whole number",
        ),
        (
            "days_supply",
            (pl.col("days_supply_raw") < 1) | (pl.col("days_supply_raw") > MAX_DAYS_SUPPLY),
            f"must be 1-{MAX_DAYS_SUPPLY}",
        ),
        ("fill_date", pl.col("fill_date").is_null(), "is not a date (YYYY-MM-DD)"),
        (
            "fill_date",
            (pl.col("fill_date") < EARLIEST) | (pl.col("fill_date") > LATEST),
            f"is outside {EARLIEST}…{LATEST}",
        ),
        (
            "birth_date",
            pl.col("birth_date").is_not_null() & (pl.col("birth_date") > pl.col("fill_date")),
            "is after the fill date",
        ),
    ]
    rules.append(
        (
            "birth_date",
            pl.col("birth_date").is_null() & pl.col("_has_birth"),
            "is not a date (YYYY-MM-DD)",
        )
    )
    # One pass decides which rows are bad; the first broken rule and the raw value are then
    # worked out for the bad rows only (few), never for the millions of good ones.
    judged = typed.with_columns(
        pl.any_horizontal(*[broken.fill_null(False) for _, broken, _ in rules]).alias("_bad")
    )
    bad = judged.filter(pl.col("_bad"))
    problem = pl.lit(None, pl.Utf8)
    column = pl.lit(None, pl.Utf8)
    for name, broken, text in reversed(rules):
        problem = pl.when(broken.fill_null(False)).then(pl.lit(text)).otherwise(problem)
        column = pl.when(broken.fill_null(False)).then(pl.lit(name)).otherwise(column)
    raw_names = [name for name in COLUMNS if name in frame]
    positions = bad["row"] - first_row
    raw = frame.select(
        pl.col(name).gather(positions).cast(pl.Utf8).alias(f"_raw_{name}") for name in raw_names
    )
    bad = pl.concat([bad, raw], how="horizontal").with_columns(
        problem.alias("_problem"), column.alias("_column")
    )
    raw_value = pl.lit(None, pl.Utf8)
    for name in raw_names:
        raw_value = (
            pl.when(pl.col("_column") == name).then(pl.col(f"_raw_{name}")).otherwise(raw_value)
        )
    rejects = bad.select(
        "row",
        pl.col("_column").alias("column"),
        pl.col("_problem").alias("problem"),
        raw_value.str.slice(0, 80).alias("value"),
    )
    valid = judged.filter(~pl.col("_bad")).select(
        "row",
        *REQUIRED_TEXT,
        pl.when(rx.str.len_chars() > 0).then(rx).otherwise(None).alias("rxnorm"),
        "ndc",
        "quantity",
        pl.col("days_supply_raw").cast(pl.Int32).alias("days_supply"),
        "fill_date",
        "birth_date",
    )
    return Checked(valid, rejects)
