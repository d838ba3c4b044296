"""The single-process baseline for bench/population.py: the same five measures, written the
straightforward way in pandas (one pass per patient over day arrays), to time painpath's
sharded job against and to cross-check its totals.

    .venv/bin/python bench/population_baseline.py CLAIMS DIAGNOSES YEAR OUT.json

Products and exclusion codes are resolved with painpath's own tables (`resolve`,
`categories_of`), so the two differ only in how the measures are computed.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter
from datetime import date

import numpy as np
import pandas as pd

from painpath.analytics.knowledge import categories_of
from painpath.analytics.products import BENZODIAZEPINE, OPIOID, resolve

SCALE = 10_000


def main() -> int:
    claims_path, diagnoses_path, year_text, out = sys.argv[1:5]
    year = int(year_text)
    started = time.perf_counter()
    df = pd.read_parquet(claims_path)
    df["fill_date"] = pd.to_datetime(df["fill_date"], errors="coerce")
    df["quantity"] = pd.to_numeric(df["quantity"], errors="coerce")
    df["days_supply"] = pd.to_numeric(df["days_supply"], errors="coerce")
    ok = (
        df["patient_id"].fillna("").astype(str).str.len().between(1, 64)
        & df["prescriber_id"].fillna("").astype(str).str.len().between(1, 64)
        & df["pharmacy_id"].fillna("").astype(str).str.len().between(1, 64)
        & df["clinic_id"].fillna("").astype(str).str.len().between(1, 64)
        & (df["quantity"] > 0)
        & (df["quantity"] <= 100_000)
        & df["days_supply"].between(1, 365)
        & df["fill_date"].notna()
        & df["rxnorm"].notna()
    )
    df = df[ok].copy()
    products = {code: resolve(code) for code in df["rxnorm"].unique()}
    df["cls"] = df["rxnorm"].map(lambda c: products[c].measure_class)
    df["scope"] = df["rxnorm"].map(lambda c: products[c].out_of_scope is None)
    unit = df["rxnorm"].map(lambda c: products[c].mme_per_unit)
    fixed = df["rxnorm"].map(lambda c: products[c].mme_per_day_fixed)
    mme = fixed.where(fixed.notna(), unit * df["quantity"] / df["days_supply"])
    df["mme"] = (mme * SCALE).round().fillna(0).astype(np.int64)
    df["is_op"] = (df["cls"] == OPIOID) & df["scope"]
    df["is_bz"] = df["cls"] == BENZODIAZEPINE
    df = df[df["is_op"] | df["is_bz"]]
    epoch = pd.Timestamp(f"{year - 2}-01-01")
    df["s"] = (df["fill_date"] - epoch).dt.days
    df["e"] = df["s"] + df["days_supply"].astype(int) - 1
    my_s = (pd.Timestamp(f"{year}-01-01") - epoch).days
    my_e = (pd.Timestamp(f"{year}-12-31") - epoch).days
    in_s = (pd.Timestamp(f"{year - 1}-11-01") - epoch).days
    in_e = (pd.Timestamp(f"{year}-10-31") - epoch).days
    dx = pd.read_parquet(diagnoses_path)
    dx["date"] = pd.to_datetime(dx["date"], errors="coerce")
    dx["cats"] = [
        bool(categories_of(s, c)) for s, c in zip(dx["code_system"], dx["code"], strict=True)
    ]
    dx = dx[dx["cats"]]
    dx["d"] = (dx["date"] - epoch).dt.days

    def excluded_between(low: int, high: int) -> set[str]:
        inside = dx["d"].isna() | ((dx["d"] >= low) & (dx["d"] <= high))
        return set(dx.loc[inside, "patient_id"])

    excl_year, excl_cou = excluded_between(my_s, my_e), excluded_between(in_s, my_e)
    birth = pd.to_datetime(df["birth_date"], errors="coerce") if "birth_date" in df else None
    df["adult_my"] = (
        True if birth is None else birth.isna() | (birth <= pd.Timestamp(date(year - 18, 1, 1)))
    )
    df["adult_cou"] = (
        True if birth is None else birth.isna() | (birth <= pd.Timestamp(date(year - 19, 11, 1)))
    )
    totals: Counter[str] = Counter()
    per_prescriber: Counter[tuple[str, str, str]] = Counter()
    for pid, g in df.groupby("patient_id", sort=False):
        op = g[g["is_op"]]
        flags: dict[str, bool] = {}
        year_op = op[(op["s"] >= my_s) & (op["s"] <= my_e)]
        if len(year_op):
            s = year_op["s"].to_numpy()
            e = np.minimum(year_op["e"].to_numpy(), my_e)
            span = np.zeros(my_e - my_s + 2, dtype=np.int64)
            cover = np.zeros(my_e - my_s + 2, dtype=bool)
            for a, b, m in zip(s - my_s, e - my_s, year_op["mme"].to_numpy(), strict=True):
                span[a : b + 1] += m
                cover[a : b + 1] = True
            bz = g[g["is_bz"] & (g["s"] >= my_s) & (g["s"] <= my_e)]
            bcover = np.zeros_like(cover)
            for a, b in zip(bz["s"] - my_s, np.minimum(bz["e"], my_e) - my_s, strict=True):
                bcover[a : b + 1] = True
            episode = int(e.max() - s.min() + 1)
            high = int(span.sum()) >= episode * 90 * SCALE
            adult = bool(g["adult_my"].iloc[0])
            ok_excl = pid not in excl_year
            base = adult and year_op["s"].nunique() >= 2 and year_op["days_supply"].sum() >= 15
            base = base and ok_excl
            multi = False
            rows = year_op.sort_values("s")
            days, pres, pharm = (
                rows["s"].to_list(),
                rows["prescriber_id"].to_list(),
                rows["pharmacy_id"].to_list(),
            )
            for i in range(len(days)):
                j = i
                while j + 1 < len(days) and days[j + 1] <= days[i] + 179:
                    j += 1
                if len(set(pres[i : j + 1])) >= 4 and len(set(pharm[i : j + 1])) >= 4:
                    multi = True
                    break
            flags["OHD"] = base and episode >= 90
            flags["OHD_n"] = flags["OHD"] and high
            flags["OMP"] = flags["COB"] = base
            flags["OMP_n"] = base and multi
            flags["COB_n"] = base and bz["s"].nunique() >= 2 and int((cover & bcover).sum()) >= 30
            flags["HDO"] = (
                adult and ok_excl and year_op["s"].nunique() >= 2 and int(cover.sum()) >= 15
            )
            flags["HDO_n"] = flags["HDO"] and high
            for measure in ("OHD", "OMP", "COB", "HDO"):
                totals[measure] += flags[measure]
                totals[measure + "_n"] += flags[measure + "_n"]
                for doctor in set(year_op["prescriber_id"]):
                    per_prescriber[(doctor, measure, "d")] += flags[measure]
                    per_prescriber[(doctor, measure, "n")] += flags[measure + "_n"]
        intake = op[(op["s"] >= in_s) & (op["s"] <= in_e)]
        if len(intake):
            ipsd = int(intake["s"].min())
            prior = op[(op["s"] < ipsd) & (op["s"] >= ipsd - 180)]
            den = bool(g["adult_cou"].iloc[0]) and prior.empty and pid not in excl_cou
            cover = np.zeros(62, dtype=bool)
            for a, b in zip(op["s"] - ipsd, op["e"] - ipsd, strict=True):
                if 0 <= a <= 61:
                    cover[a : min(b, 61) + 1] = True
            totals["COU"] += den
            totals["COU_15_30_n"] += den and int(cover[:30].sum()) >= 15
            totals["COU_31_62_n"] += den and int(cover.sum()) >= 31
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with open(out, "w") as handle:
        json.dump(
            {
                "seconds": seconds,
                "peak_rss_mib": peak,
                "totals": {k: int(v) for k, v in totals.items()},
                "prescriber_rows": len(per_prescriber),
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
