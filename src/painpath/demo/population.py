"""`painpath demo population`: synthetic pharmacy claims, diagnoses, prescriptions and a
matching multi-sample VCF for a health-system-sized cohort, deterministic by seed.

Patients P0000001… are drawn in blocks of 50,000, each block from its own seeded generator,
so the files are the same for a seed whatever the machine, and memory stays bounded. Each
patient has a home prescriber (in a clinic) and pharmacy, and one of these patterns:

    share  pattern
    40 %   no opioid: non-opioid pain medicines only (NSAIDs, SNRIs, gabapentinoids, …)
    33 %   acute: one or two short opioid fills (3-10 days)
    20 %   chronic: about monthly 30-day opioid fills (refills early or late by a few days),
           a daily dose of 10-240 MME; a fifth of them also take a benzodiazepine monthly,
           3 % of them fill at many prescribers and pharmacies
     2 %   chronic fentanyl patches (25-75 mcg/h)
     5 %   under 18 on Jan 1 of the measurement year (acute fills)

Every patient also has non-opioid fills (about five a year). Diagnoses: 3 % cancer,
0.3 % sickle cell disease (and 1 % sickle-cell trait, which excludes nothing), 1 % palliative
care, 0.5 % hospice. One claim in 100,000 is malformed on purpose (a missing or impossible
value), as real feeds are, so the rejects report has something to show.

Products are RxNorm codes from painpath's formulary (opioids and benzodiazepines: oral tablets
with one strength; others: ingredient concepts). Fills run from June of the year before the
measurement year (the COU look-back) to its December 31.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from painpath.terminology.formulary import DrugClass, formulary

BLOCK = 50_000
#: Rows per Parquet row group: the opioid job's first stage splits its input by row group, so
#: groups much smaller than a shard let several workers share one file.
ROW_GROUP_ROWS = 100_000
DEFAULT_YEAR = 2025
OPIOIDS = ("oxycodone", "hydrocodone", "morphine", "tramadol", "hydromorphone", "tapentadol")
BENZODIAZEPINES = ("alprazolam", "lorazepam", "clonazepam", "diazepam")
OTHERS = ("25480", "72625", "5640", "7258", "41493", "36437", "32937", "704", "21949", "187832")
PAIN_MEDICINES_WITH_PGX = (
    "amitriptyline",
    "celecoxib",
    "codeine",
    "meloxicam",
    "tramadol",
    "hydrocodone",
    "paroxetine",
    "duloxetine",
    "ibuprofen",
)


@dataclass(frozen=True)
class PopulationFiles:
    claims: Path
    diagnoses: Path
    prescriptions: Path
    vcf: Path | None
    patients: int
    claim_rows: int


def _tablets() -> dict[str, list[tuple[str, float]]]:
    """Per ingredient, (RxNorm code, mg per tablet) of single-strength oral tablets."""
    table = formulary().drugs
    found: dict[str, list[tuple[str, float]]] = {}
    for code in sorted(table, key=int):
        drug = table[code]
        if (
            drug.ingredient in (*OPIOIDS, *BENZODIAZEPINES)
            and drug.strength is not None
            and drug.strength.unit == "MG"
            and drug.dose_form == "Oral Tablet"
            and drug.term_type.value == "SCD"
        ):
            found.setdefault(drug.ingredient, []).append((code, drug.strength.value))
    return found


def _patches() -> list[tuple[str, float]]:
    """(RxNorm code, mcg/h) of 25, 50 and 75 mcg/h fentanyl patches."""
    table = formulary().drugs
    found = []
    for code in sorted(table, key=int):
        drug = table[code]
        strength = drug.strength
        if (
            drug.drug_class is DrugClass.opioid
            and drug.term_type.value == "SCD"
            and strength is not None
            and strength.unit == "MCG/HR"
            and strength.value in (25.0, 50.0, 75.0)
        ):
            found.append((code, strength.value))
    return found


#: MME per mg by ingredient (CDC 2022), only to size synthetic doses; the jobs use the engine.
def _factors() -> dict[str, float]:
    from painpath.opioids.knowledge import factor_table

    return {k: float(v) for k, v in factor_table().oral_mg.items()}


def _ids(prefix: str, numbers: np.ndarray[Any, Any], width: int) -> pl.Series:
    digits = pl.Series(numbers.astype(np.int64)).cast(pl.Utf8).str.zfill(width)
    return pl.select(pl.lit(prefix) + digits).to_series()


def _block(
    seed: int, block: int, first: int, count: int, year: int, pools: tuple[int, int, int]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng([seed, block])
    prescribers, pharmacies, _clinics = pools
    patient = np.arange(first, first + count)
    home_prescriber = rng.integers(0, prescribers, count)
    home_pharmacy = rng.integers(0, pharmacies, count)
    start = date(year - 1, 6, 1)
    span = (date(year, 12, 31) - start).days + 1
    roll = rng.random(count)
    pattern = np.select(
        [roll < 0.40, roll < 0.73, roll < 0.93, roll < 0.95],
        [0, 1, 2, 3],
        default=4,
    )
    age = np.where(pattern == 4, rng.integers(8, 18, count), rng.integers(18, 92, count))
    birth_offset = rng.integers(0, 365, count)
    birth = (
        np.datetime64(f"{year}-01-01")
        - (age * 365.25).astype("timedelta64[D]")
        - birth_offset.astype("timedelta64[D]")
    )
    tablets = _tablets()
    factors = _factors()
    patches = _patches()
    rows: dict[str, list[np.ndarray[Any, Any]]] = {
        k: [] for k in ("p", "day", "days", "code", "qty", "presc", "pharm")
    }

    def add(
        p: np.ndarray[Any, Any],
        day: np.ndarray[Any, Any],
        days: np.ndarray[Any, Any],
        code: np.ndarray[Any, Any],
        qty: np.ndarray[Any, Any],
        presc: np.ndarray[Any, Any],
        pharm: np.ndarray[Any, Any],
    ) -> None:
        keep = (day >= 0) & (day < span)
        for key, value in zip(rows, (p, day, days, code, qty, presc, pharm), strict=True):
            rows[key].append(value[keep])

    # Non-opioid fills for everyone: about five a year, 30 days each.
    n_other = rng.poisson(7.5, count)
    who = np.repeat(np.arange(count), n_other)
    add(
        who,
        rng.integers(0, span, who.size),
        np.full(who.size, 30),
        np.asarray(OTHERS)[rng.integers(0, len(OTHERS), who.size)],
        rng.choice([30.0, 60.0, 90.0], who.size),
        home_prescriber[who],
        home_pharmacy[who],
    )
    codes_mme: list[tuple[str, float]] = []
    for ingredient in OPIOIDS:
        for code, mg in tablets.get(ingredient, []):
            codes_mme.append((code, mg * factors[ingredient]))
    opioid_codes = np.asarray([c for c, _ in codes_mme])
    opioid_unit_mme = np.asarray([m for _, m in codes_mme])
    # Acute fills (and the under-18s): one or two 3-10 day fills.
    acute = np.flatnonzero((pattern == 1) | (pattern == 4))
    n_acute = rng.integers(1, 3, acute.size)
    who = np.repeat(acute, n_acute)
    pick = rng.integers(0, opioid_codes.size, who.size)
    days = rng.integers(3, 11, who.size)
    per_day = np.clip(np.round(rng.uniform(10, 60, who.size) / opioid_unit_mme[pick]), 1, 8)
    add(
        who,
        rng.integers(0, span, who.size),
        days,
        opioid_codes[pick],
        per_day * days,
        home_prescriber[who],
        home_pharmacy[who],
    )
    # Chronic oral opioids: about monthly fills, early or late by a few days.
    chronic = np.flatnonzero(pattern == 2)
    fills = 18
    first_day = rng.integers(0, span - 60, chronic.size)
    step = 30 + rng.integers(-5, 4, (chronic.size, fills))
    day = first_day[:, None] + np.cumsum(step, axis=1) - step[:, :1]
    stop = rng.integers(3, fills + 1, chronic.size)
    active = np.arange(fills)[None, :] < stop[:, None]
    pick = np.repeat(rng.integers(0, opioid_codes.size, chronic.size), fills).reshape(-1, fills)
    target = np.repeat(rng.gamma(2.0, 30.0, chronic.size).clip(10, 240), fills)
    per_day = np.clip(np.round(target / opioid_unit_mme[pick.ravel()]), 1, 16)
    shopper = rng.random(chronic.size) < 0.03
    presc = np.where(
        np.repeat(shopper, fills),
        rng.integers(0, prescribers, chronic.size * fills),
        np.repeat(home_prescriber[chronic], fills),
    )
    pharm = np.where(
        np.repeat(shopper, fills),
        rng.integers(0, pharmacies, chronic.size * fills),
        np.repeat(home_pharmacy[chronic], fills),
    )
    mask = active.ravel()
    add(
        np.repeat(chronic, fills)[mask],
        day.ravel()[mask],
        np.full(mask.sum(), 30),
        opioid_codes[pick.ravel()][mask],
        (per_day * 30)[mask],
        presc[mask],
        pharm[mask],
    )
    # A fifth of them: a benzodiazepine monthly alongside.
    benzo_codes = np.asarray([c for i in BENZODIAZEPINES for c, _ in tablets.get(i, [])])
    benzo = rng.random(chronic.size) < 0.2
    bmask = (active & benzo[:, None]).ravel()
    bday = day.ravel() + rng.integers(-3, 4, day.size)
    add(
        np.repeat(chronic, fills)[bmask],
        bday[bmask],
        np.full(bmask.sum(), 30),
        benzo_codes[rng.integers(0, benzo_codes.size, day.size)][bmask],
        rng.choice([30.0, 60.0, 90.0], day.size)[bmask],
        np.repeat(home_prescriber[chronic], fills)[bmask],
        np.repeat(home_pharmacy[chronic], fills)[bmask],
    )
    # Fentanyl patches: ten patches for 30 days.
    patch = np.flatnonzero(pattern == 3)
    if patches and patch.size:
        patch_codes = np.asarray([c for c, _ in patches])
        first_day = rng.integers(0, span - 60, patch.size)
        day = first_day[:, None] + 30 * np.arange(12)[None, :]
        stop = rng.integers(3, 13, patch.size)
        active = (np.arange(12)[None, :] < stop[:, None]).ravel()
        chosen = np.repeat(patch_codes[rng.integers(0, patch_codes.size, patch.size)], 12)
        add(
            np.repeat(patch, 12)[active],
            day.ravel()[active],
            np.full(active.sum(), 30),
            chosen[active],
            np.full(active.sum(), 10.0),
            np.repeat(home_prescriber[patch], 12)[active],
            np.repeat(home_pharmacy[patch], 12)[active],
        )
    index = np.concatenate(rows["p"])
    clinic_of = (np.concatenate(rows["presc"]) // 10).astype(np.int64)
    claims = pl.DataFrame(
        {
            "patient_id": _ids("P", patient[index], 7),
            "prescriber_id": _ids("DR", np.concatenate(rows["presc"]), 6),
            "pharmacy_id": _ids("PH", np.concatenate(rows["pharm"]), 5),
            "clinic_id": _ids("CL", clinic_of, 5),
            "rxnorm": pl.Series(np.concatenate(rows["code"]).astype(str)),
            "quantity": np.concatenate(rows["qty"]).astype(np.float64),
            "days_supply": np.concatenate(rows["days"]).astype(np.int32),
            "fill_date": pl.Series(
                np.datetime64(start.isoformat())
                + np.concatenate(rows["day"]).astype("timedelta64[D]")
            ).cast(pl.Date),
            "birth_date": pl.Series(birth[index]).cast(pl.Date),
        }
    ).sort("patient_id", "fill_date", "rxnorm")
    claims = _spoil(claims, rng)
    diagnoses = _diagnoses(rng, patient, year)
    recent = (
        claims.filter(pl.col("fill_date") >= date(year, 10, 1))
        .select("patient_id", "rxnorm")
        .unique()
    )
    names = {
        code: formulary().drugs[code].ingredient
        for code in recent["rxnorm"].unique()
        if code in formulary().drugs
    }
    prescriptions = (
        recent.with_columns(
            pl.col("rxnorm").replace_strict(names, default=None).alias("medication")
        )
        .filter(pl.col("medication").is_in(PAIN_MEDICINES_WITH_PGX))
        .select("patient_id", "medication")
        .unique()
        .sort("patient_id", "medication")
    )
    return claims, diagnoses, prescriptions


def _spoil(claims: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One row in 100,000 made malformed, as real feeds have them."""
    bad = rng.random(claims.height) < 1e-5
    if not bad.any():
        return claims
    kind = rng.integers(0, 3, claims.height)
    series = pl.Series(bad)
    return claims.with_columns(
        pl.when(series & pl.Series(kind == 0))
        .then(None)
        .otherwise(pl.col("days_supply"))
        .alias("days_supply"),
        pl.when(series & pl.Series(kind == 1))
        .then(-pl.col("quantity"))
        .otherwise(pl.col("quantity"))
        .alias("quantity"),
        pl.when(series & pl.Series(kind == 2))
        .then(pl.lit(""))
        .otherwise(pl.col("prescriber_id"))
        .alias("prescriber_id"),
    )


def _diagnoses(rng: np.random.Generator, patient: np.ndarray[Any, Any], year: int) -> pl.DataFrame:
    roll = rng.random(patient.size)
    codes = np.select(
        [roll < 0.03, roll < 0.033, roll < 0.043, roll < 0.053, roll < 0.058],
        ["C50.911", "D57.1", "D57.3", "Z51.5", "Q5001"],
        default="",
    )
    keep = codes != ""
    day = rng.integers(0, 365, patient.size)[keep]
    return pl.DataFrame(
        {
            "patient_id": _ids("P", patient[keep], 7),
            "code": codes[keep],
            "code_system": np.where(codes[keep] == "Q5001", "HCPCS", "ICD-10-CM"),
            "date": pl.Series(np.datetime64(f"{year}-01-01") + day.astype("timedelta64[D]")).cast(
                pl.Date
            ),
        }
    )


def write_population(
    output: Path,
    patients: int,
    *,
    seed: int = 1,
    year: int = DEFAULT_YEAR,
    vcf_samples: int | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> PopulationFiles:
    """Write claims.parquet, diagnoses.parquet, prescriptions.parquet and cohort.vcf.gz."""
    output.mkdir(parents=True, exist_ok=True)
    pools = (max(10, patients // 50), max(8, patients // 200), max(2, patients // 500))
    writers: dict[str, pq.ParquetWriter] = {}
    temporary = {
        name: output / f".{name}.parquet.partial"
        for name in ("claims", "diagnoses", "prescriptions")
    }
    claim_rows = 0
    try:
        for block, first in enumerate(range(1, patients + 1, BLOCK)):
            count = min(BLOCK, patients + 1 - first)
            frames = dict(
                zip(
                    ("claims", "diagnoses", "prescriptions"),
                    _block(seed, block, first, count, year, pools),
                    strict=True,
                )
            )
            claim_rows += frames["claims"].height
            for name, frame in frames.items():
                table = frame.to_arrow()
                if name not in writers:
                    writers[name] = pq.ParquetWriter(
                        temporary[name], table.schema, compression="zstd"
                    )
                writers[name].write_table(table, row_group_size=ROW_GROUP_ROWS)
            on_progress(count)
    finally:
        for writer in writers.values():
            writer.close()
    for name, path in temporary.items():
        path.replace(output / f"{name}.parquet")
    vcf = None
    wanted = patients if vcf_samples is None else min(vcf_samples, patients)
    if wanted > 0:
        from painpath.demo.population_vcf import cohort_vcf, open_output

        vcf = output / "cohort.vcf.gz"
        partial = output / ".cohort.vcf.gz.partial.gz"
        with open_output(partial) as stream:
            cohort_vcf(
                stream, wanted, seed=seed, sample_names=[f"P{i:07d}" for i in range(1, wanted + 1)]
            )
        partial.replace(vcf)
    return PopulationFiles(
        output / "claims.parquet",
        output / "diagnoses.parquet",
        output / "prescriptions.parquet",
        vcf,
        patients,
        claim_rows,
    )
