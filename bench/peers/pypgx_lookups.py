"""PyPGx side of benchmark (a); runs in bench/.venvs/pypgx, never imports painpath.

    python pypgx_lookups.py WORKLOADS.json  ->  JSON on stdout

WORKLOADS.json: {"workloads": [{"name", "drug", "genes": [...], "items": [[[a, b], ...], ...]}]}
with one [a, b] allele pair per gene per item. Each item costs one `predict_phenotype` per
gene plus one `get_recommendation` (amitriptyline: CYP2C19 first, then CYP2D6, as PyPGx keys it).
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

start = time.perf_counter()
import pypgx  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - start


def run(workload: dict[str, Any]) -> dict[str, Any]:
    genes: list[str] = workload["genes"]
    items: list[list[list[str]]] = workload["items"]
    drug: str = workload["drug"]
    started = time.perf_counter()
    phenotypes = [
        [pypgx.predict_phenotype(gene, a, b) for gene, (a, b) in zip(genes, item, strict=True)]
        for item in items
    ]
    phenotype_seconds = time.perf_counter() - started
    started = time.perf_counter()
    advice = []
    for found in phenotypes:
        by_gene = dict(zip(genes, found, strict=True))
        if drug == "amitriptyline":
            text = pypgx.get_recommendation(
                drug, "CYP2C19", by_gene["CYP2C19"], "CYP2D6", by_gene["CYP2D6"]
            )
        else:
            text = pypgx.get_recommendation(drug, genes[0], found[0])
        advice.append(text)
    advice_seconds = time.perf_counter() - started
    return {
        "name": workload["name"],
        "items": len(items),
        "phenotype_calls": len(items) * len(genes),
        "phenotype_seconds": phenotype_seconds,
        "advice_calls": len(items),
        "advice_seconds": advice_seconds,
        "phenotypes": phenotypes,
        "advice": advice,
    }


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    pypgx.predict_phenotype("CYP2D6", "*1", "*4")  # first call: lazy table loads
    first = time.perf_counter() - started
    results = [run(w) for w in spec["workloads"]]
    out = {
        "pypgx": importlib.metadata.version("pypgx"),
        "import_seconds": IMPORT_SECONDS,
        "first_call_seconds": first,
        "workloads": results,
    }
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
