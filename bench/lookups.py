"""Benchmark (a): diplotype → phenotype and advice lookups, painpath vs PyPGx.

    .venv/bin/python bench/lookups.py [--items 50] [--reps 7] [--peer-reps 3]

Both tools get the same random diplotype pairs (alleles both know), per workload:
codeine (CYP2D6), celecoxib and meloxicam (CYP2C9), amitriptyline (CYP2D6 + CYP2C19).
painpath: `diplotype_phenotype(gene, a, b)` then `advise(drug, {gene: lookup_key})`.
PyPGx: `predict_phenotype(gene, a, b)` then `get_recommendation(drug, gene, phenotype)`.

painpath is timed three ways: warm (memoized: every pair seen before), first time (memos
emptied once, then each pair looked up for the first time; advice keys repeat between pairs, so
most advice calls are memo hits even here) and no memo (memos emptied before every call: the
real compute). Knowledge tables stay loaded: loading them is the "fresh process" row. PyPGx has
no memo, so its one number serves all three. The PyPGx runs (a subprocess in its own venv) are
interleaved with painpath's, so both see the same machine load.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from harness import (
    PYPGX_PYTHON,
    VENVS,
    Row,
    bytecode_env,
    machine,
    median,
    print_table,
    ratio,
    rows_json,
    warm_bytecode,
)
from harness import save as save_result

from painpath.pgx import advice, phenotype
from painpath.pgx.advice import advise
from painpath.pgx.phenotype import diplotype_phenotype
from painpath.pgx.tables import gene_table

SEED = 20261125
GOAL_US = 10.0
GOAL_RATIO = 1000.0
Pair = tuple[str, str]


@dataclass(frozen=True)
class Workload:
    name: str
    drug: str
    genes: tuple[str, ...]
    items: tuple[tuple[Pair, ...], ...]

    def spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "drug": self.drug,
            "genes": list(self.genes),
            "items": [[list(p) for p in item] for item in self.items],
        }


def pypgx_alleles() -> dict[str, set[str]] | None:
    """Star alleles in PyPGx's own allele table (None when the peer venv is missing)."""
    tables = sorted(VENVS.glob("pypgx/lib/python*/site-packages/pypgx/api/data/allele-table.csv"))
    if not tables:
        return None
    found: dict[str, set[str]] = {}
    with tables[0].open(newline="") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["Gene"], set()).add(row["StarAllele"])
    return found


def draw_workloads(items: int, seed: int = SEED) -> list[Workload]:
    """Distinct random items per workload from the alleles both tools define."""
    peer = pypgx_alleles()
    rng = random.Random(seed)
    pool: dict[str, list[str]] = {}
    for gene in ("CYP2D6", "CYP2C9", "CYP2C19"):
        ours = set(gene_table(gene).alleles)
        shared = ours & peer.get(gene, set()) if peer is not None else ours
        pool[gene] = sorted(shared)
    plan = [
        ("codeine/CYP2D6", "codeine", ("CYP2D6",)),
        ("celecoxib/CYP2C9", "celecoxib", ("CYP2C9",)),
        ("meloxicam/CYP2C9", "meloxicam", ("CYP2C9",)),
        ("amitriptyline/CYP2D6+CYP2C19", "amitriptyline", ("CYP2D6", "CYP2C19")),
    ]
    workloads = []
    for name, drug, genes in plan:
        seen: set[tuple[Pair, ...]] = set()
        while len(seen) < items:
            item = tuple((rng.choice(pool[g]), rng.choice(pool[g])) for g in genes)
            seen.add(item)
        workloads.append(Workload(name, drug, genes, tuple(sorted(seen))))
    return workloads


def _clear_module(module: ModuleType) -> None:
    for value in vars(module).values():
        if getattr(value, "__module__", None) == module.__name__ and hasattr(value, "cache_clear"):
            value.cache_clear()
    memo = getattr(module, "_MEMO", None)
    if isinstance(memo, dict):
        memo.clear()


def clear_memos() -> None:
    """Empty painpath's lookup memos (phenotype and advice); loaded tables stay loaded."""
    _clear_module(phenotype)
    _clear_module(advice)


def keys_for(workload: Workload) -> list[dict[str, str]]:
    return [
        {
            g: diplotype_phenotype(g, a, b).lookup_key
            for g, (a, b) in zip(workload.genes, item, strict=True)
        }
        for item in workload.items
    ]


def _phenotype_pass(workload: Workload) -> float:
    genes = workload.genes
    start = time.perf_counter()
    for item in workload.items:
        for gene, (a, b) in zip(genes, item, strict=True):
            diplotype_phenotype(gene, a, b)
    return time.perf_counter() - start


def _advice_pass(drug: str, keys: list[dict[str, str]]) -> float:
    start = time.perf_counter()
    for key in keys:
        advise(drug, key)
    return time.perf_counter() - start


def _uncached(calls: Iterable[Callable[[], object]]) -> float:
    total = 0
    for call in calls:
        clear_memos()
        start = time.perf_counter_ns()
        call()
        total += time.perf_counter_ns() - start
    return total / 1e9


def time_painpath(workload: Workload, repeat: int) -> dict[str, float]:
    """Seconds per call (phenotype, advice) warm, first time and with no memo."""
    genes, drug = workload.genes, workload.drug
    n_items = len(workload.items)
    n_pheno = n_items * len(genes)
    keys = keys_for(workload)
    laps = max(1, 10_000 // n_items)
    # warm: memos filled by keys_for above
    warm_p = median([sum(_phenotype_pass(workload) for _ in range(laps)) for _ in range(5)])
    warm_a = median([sum(_advice_pass(drug, keys) for _ in range(laps)) for _ in range(5)])
    first_p, first_a = [], []
    for _ in range(repeat):
        clear_memos()
        first_p.append(_phenotype_pass(workload))
        first_a.append(_advice_pass(drug, keys))
    pheno_calls = [
        (lambda g=g, a=a, b=b: diplotype_phenotype(g, a, b))
        for item in workload.items
        for g, (a, b) in zip(genes, item, strict=True)
    ]
    advice_calls = [(lambda k=k: advise(drug, k)) for k in keys]
    none_p = median([_uncached(pheno_calls) for _ in range(repeat)])
    none_a = median([_uncached(advice_calls) for _ in range(repeat)])
    return {
        "phenotype_warm": warm_p / (laps * n_pheno),
        "advice_warm": warm_a / (laps * n_items),
        "phenotype_first": median(first_p) / n_pheno,
        "advice_first": median(first_a) / n_items,
        "phenotype_nomemo": none_p / n_pheno,
        "advice_nomemo": none_a / n_items,
    }


def run_peer(workloads: list[Workload]) -> dict[str, Any] | None:
    if not PYPGX_PYTHON.exists():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"workloads": [w.spec() for w in workloads]}, handle)
    script = Path(__file__).parent / "peers" / "pypgx_lookups.py"
    done = subprocess.run(
        [str(PYPGX_PYTHON), str(script), handle.name], capture_output=True, text=True, check=False
    )
    Path(handle.name).unlink()
    if done.returncode != 0:
        raise RuntimeError(f"PyPGx lookups failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def fresh_process(repeat: int) -> tuple[float, float | None]:
    """Median wall seconds: new interpreter, import, one phenotype + one advice lookup."""
    ours = (
        "from painpath.pgx.phenotype import diplotype_phenotype\n"
        "from painpath.pgx.advice import advise\n"
        "advise('codeine', {'CYP2D6': diplotype_phenotype('CYP2D6', '*1', '*4').lookup_key})\n"
    )
    peer = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "import pypgx\n"
        "pypgx.get_recommendation('codeine', 'CYP2D6',"
        " pypgx.predict_phenotype('CYP2D6', '*1', '*4'))\n"
    )
    mine, theirs = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", ours], check=True, env=bytecode_env())
        mine.append(time.perf_counter() - start)
        if PYPGX_PYTHON.exists():
            start = time.perf_counter()
            subprocess.run([str(PYPGX_PYTHON), "-c", peer], check=True)
            theirs.append(time.perf_counter() - start)
    return median(mine), median(theirs) if theirs else None


def agreement(workloads: list[Workload], peer: dict[str, Any]) -> dict[str, Any]:
    """How often the two tools give the same phenotype (a side fact, not a correctness test)."""
    same = total = 0
    for workload, result in zip(workloads, peer["workloads"], strict=True):
        for item, theirs in zip(workload.items, result["phenotypes"], strict=True):
            for gene, (a, b), their in zip(workload.genes, item, theirs, strict=True):
                total += 1
                same += diplotype_phenotype(gene, a, b).phenotype == their
    return {"phenotype_calls_compared": total, "same_phenotype": same}


def run(items: int = 50, repeat: int = 7, peer_repeat: int = 3) -> list[Row]:
    workloads = draw_workloads(items)
    for workload in workloads:  # load the knowledge tables before anything is timed
        keys_for(workload)
    ours: dict[str, list[dict[str, float]]] = {w.name: [] for w in workloads}
    peers: list[dict[str, Any]] = []
    for rep in range(max(repeat, peer_repeat)):
        if rep < peer_repeat and (peer := run_peer(workloads)) is not None:
            peers.append(peer)
        if rep < repeat:
            for workload in workloads:
                ours[workload.name].append(time_painpath(workload, 3))
    warm_bytecode()
    fresh_ours, fresh_peer = fresh_process(3)

    def ours_total(kind: str, state: str) -> float:
        """Seconds per call over all workloads (median of reps)."""
        per_rep = []
        for rep in range(repeat):
            seconds = calls = 0.0
            for workload in workloads:
                n = len(workload.items) * (len(workload.genes) if kind == "phenotype" else 1)
                seconds += ours[workload.name][rep][f"{kind}_{state}"] * n
                calls += n
            per_rep.append(seconds / calls)
        return median(per_rep)

    def peer_total(kind: str) -> float | None:
        if not peers:
            return None
        return median(
            [
                sum(w[f"{kind}_seconds"] for w in p["workloads"])
                / sum(w[f"{kind}_calls"] for w in p["workloads"])
                for p in peers
            ]
        )

    rows = []
    for kind in ("phenotype", "advice"):
        theirs = peer_total(kind)
        for state, label in (("warm", "warm"), ("first", "first time"), ("nomemo", "no memo")):
            mine = ours_total(kind, state)
            r = ratio(theirs, mine)
            rows.append(
                Row(
                    "a",
                    f"{kind} lookup, {label}",
                    mine * 1e6,
                    "PyPGx",
                    theirs * 1e6 if theirs else None,
                    "µs/call",
                    r,
                    goal="<10 µs, >1000×",
                    met=mine * 1e6 < GOAL_US and (r is None or r > GOAL_RATIO),
                )
            )
    theirs_item = (
        median(
            [
                sum(w["phenotype_seconds"] + w["advice_seconds"] for w in p["workloads"])
                / sum(w["items"] for w in p["workloads"])
                for p in peers
            ]
        )
        if peers
        else None
    )
    n_items = sum(len(w.items) for w in workloads)
    for state, label in (("warm", "warm"), ("first", "first time"), ("nomemo", "no memo")):
        # one item = a phenotype per gene + one advice call
        per_rep = []
        for rep in range(repeat):
            seconds = 0.0
            for w in workloads:
                t = ours[w.name][rep]
                seconds += (t[f"phenotype_{state}"] * len(w.genes) + t[f"advice_{state}"]) * len(
                    w.items
                )
            per_rep.append(seconds / n_items)
        per_item = median(per_rep)
        rows.append(
            Row(
                "a",
                f"diplotype(s) → advice, {label}",
                per_item * 1e6,
                "PyPGx",
                theirs_item * 1e6 if theirs_item else None,
                "µs/item",
                ratio(theirs_item, per_item),
                note="one item = a phenotype per gene + one advice call" if state == "warm" else "",
            )
        )
    rows.append(
        Row(
            "a",
            "fresh process: import + 1 lookup",
            fresh_ours,
            "PyPGx",
            fresh_peer,
            "s (wall)",
            ratio(fresh_peer, fresh_ours),
        )
    )
    save_result(
        "lookups",
        {
            "machine": machine(),
            "items_per_workload": items,
            "workloads": [w.spec() for w in workloads],
            "painpath_seconds_per_call": ours,
            "pypgx": [
                {k: v for k, v in p.items() if k != "workloads"}
                | {
                    "workloads": [
                        {k: v for k, v in w.items() if k not in ("phenotypes", "advice")}
                        for w in p["workloads"]
                    ]
                }
                for p in peers
            ],
            "phenotype_agreement": agreement(workloads, peers[0]) if peers else None,
            "rows": rows_json(rows),
        },
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50, help="distinct items per workload")
    parser.add_argument("--reps", type=int, default=7, help="painpath repetitions")
    parser.add_argument("--peer-reps", type=int, default=3, help="PyPGx repetitions")
    args = parser.parse_args()
    print_table(run(args.items, args.reps, args.peer_reps), "(a) lookups")
    return 0


if __name__ == "__main__":
    sys.exit(main())
