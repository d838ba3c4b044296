"""What pgx-cohort reads besides the genotypes: the sample columns of each VCF/BCF (from its
header only) and each patient's current medicines (from a prescriptions Parquet)."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from painpath.kit.limits import DEFAULT_LIMITS, InputLimits, LimitExceeded


class CohortInputError(ValueError):
    """A VCF or prescriptions file that cannot be used (named, with the reason)."""


def sample_names(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> list[str]:
    """The sample columns of a VCF (plain or gzipped) or BCF, from its header only: at most
    `limits.max_header_lines` `##` lines, each line at most `limits.max_line_bytes`."""
    with path.open("rb") as handle:
        head = handle.read(4)
    longest = limits.max_line_bytes
    try:
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as stream:
                if stream.read(4) == b"BCF\x02":
                    return _bcf_samples(path)
            opener: Any = gzip.open
        else:
            opener = open
        with opener(path, "rb") as stream:
            for _ in range(limits.max_header_lines + 1):
                raw = stream.readline(longest + 1)
                if len(raw) > longest:
                    detail = f"a line is longer than {longest} bytes"
                    raise LimitExceeded(str(path), "max_line_bytes", longest, detail)
                if raw.startswith(b"#CHROM"):
                    line: str = raw.decode("utf-8")
                    return line.rstrip("\r\n").split("\t")[9:]
                if not raw.startswith(b"##"):
                    break
            else:
                most = limits.max_header_lines
                detail = f"more than {most} header lines"
                raise LimitExceeded(str(path), "max_header_lines", most, detail)
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise CohortInputError(f"{path}: cannot read the header ({error})") from error
    raise CohortInputError(f"{path}: no #CHROM header line")


def _bcf_samples(path: Path) -> list[str]:
    try:
        import cyvcf2
    except ImportError as error:
        raise CohortInputError(f"{path}: BCF needs cyvcf2 (the pgx extra)") from error
    vcf = cyvcf2.VCF(str(path))
    names = [str(name) for name in vcf.samples]
    vcf.close()
    return names


#: `current_medicines`: one row per patient with a current medicine.
MEDICINES_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "patient_id": pl.Utf8,
    "medicines": pl.List(pl.Utf8),
}


def current_medicines(path: Path | None) -> pl.DataFrame:
    """Each patient's current medicines (ingredient names, sorted), from a prescriptions
    Parquet: one row per patient (`MEDICINES_SCHEMA`), in order of first appearance.

    Columns: patient_id (the VCF sample id) and medication (an ingredient name such as
    paroxetine) or rxnorm (resolved to its primary ingredient). Every row is a current medicine.
    """
    if path is None:
        return pl.DataFrame(schema=MEDICINES_SCHEMA)
    from painpath.terminology.formulary import ingredient_of

    frame = pl.read_parquet(path)
    if "patient_id" not in frame.columns or not {"medication", "rxnorm"} & set(frame.columns):
        raise CohortInputError(f"{path}: needs patient_id and medication (or rxnorm) columns")
    name = (
        pl.col("medication").cast(pl.Utf8).str.strip_chars().str.to_lowercase()
        if "medication" in frame.columns
        else pl.lit(None, pl.Utf8)
    )
    rows = frame.select(
        pl.col("patient_id").cast(pl.Utf8).str.strip_chars().alias("patient_id"),
        name.alias("medication"),
        (
            pl.col("rxnorm").cast(pl.Utf8) if "rxnorm" in frame.columns else pl.lit(None, pl.Utf8)
        ).alias("rxnorm"),
    )
    codes = rows["rxnorm"].drop_nulls().str.strip_chars().unique().to_list()
    ingredients = {code: ingredient_of(code) for code in codes}
    return (
        rows.with_columns(
            pl.when(pl.col("medication").is_not_null() & (pl.col("medication") != ""))
            .then(pl.col("medication"))
            .otherwise(
                pl.col("rxnorm")
                .str.strip_chars()
                .replace_strict(ingredients, default=None, return_dtype=pl.Utf8)
            )
            .alias("found")
        )
        .filter(
            pl.col("patient_id").is_not_null()
            & (pl.col("patient_id") != "")
            & pl.col("found").is_not_null()
            & (pl.col("found") != "")
        )
        .group_by("patient_id", maintain_order=True)
        .agg(pl.col("found").unique().sort().alias("medicines"))
    )


def medicines_of(
    medicines: pl.DataFrame, samples: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """Patient id → current medicines, for these samples (those with any) or every patient."""
    if samples is not None:
        medicines = medicines.filter(pl.col("patient_id").is_in(pl.Series(samples, dtype=pl.Utf8)))
    return dict(
        zip(medicines["patient_id"].to_list(), medicines["medicines"].to_list(), strict=True)
    )
