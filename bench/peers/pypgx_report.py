"""PyPGx side of benchmark (b) when its NGS pipeline cannot run: one fresh process that imports
PyPGx, predicts each gene's phenotype from the diplotypes painpath called, and gets PyPGx's
recommendation for every pain drug it has (CPIC-derived, keyed by phenotype).

    python pypgx_report.py CALLS.json  ->  JSON report on stdout

CALLS.json: {"CYP2D6": ["*4", "*41"], "CYP2C9": [...], "CYP2C19": [...]}. The VCF is not read:
this is a lower bound on PyPGx's single-sample time, not its VCF pipeline.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pypgx

DRUGS = (
    *("codeine", "tramadol", "hydrocodone", "nortriptyline", "amitriptyline"),
    *("celecoxib", "flurbiprofen", "ibuprofen", "lornoxicam", "meloxicam", "piroxicam"),
    "tenoxicam",
)


def main() -> int:
    warnings.simplefilter("ignore")
    calls: dict[str, list[str]] = json.loads(Path(sys.argv[1]).read_text())
    phenotypes = {gene: pypgx.predict_phenotype(gene, a, b) for gene, (a, b) in calls.items()}
    table = pypgx.load_recommendation_table()
    advice = {}
    for drug in DRUGS:
        rows = table[table.Drug == drug]
        genes = sorted({g for g in (*rows.Gene1, *rows.Gene2) if g != "None"})
        if len(genes) == 2:
            advice[drug] = pypgx.get_recommendation(
                drug, genes[0], phenotypes[genes[0]], genes[1], phenotypes[genes[1]]
            )
        else:
            advice[drug] = pypgx.get_recommendation(drug, genes[0], phenotypes[genes[0]])
    json.dump({"phenotypes": phenotypes, "drugs": advice}, sys.stdout, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
