#!/usr/bin/env python3
"""Derive the clinical value sets painpath's FHIR → opioid-engine mapper needs.

Reads the CDC Opioid CDS ValueSets of cqframework/opioid-cds-r4 (their expansions, or the
enumerated compose concepts where a set has no expansion), keeps only the sets the mapping
logic uses and writes src/painpath/fhir/valuesets/opioid_cds.json with each set's canonical
url, version/date, expansion timestamp and (system, code) pairs. Sorted, no run-time fields:
re-running on the same inputs reproduces the committed file byte for byte.

    python scripts/derive_cds_valuesets.py            # write the package file
    python scripts/derive_cds_valuesets.py --check    # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VALUESET_DIR = REPO.parent / "shared/reference/opioid/opioid-cds-r4/vocabulary/valueset"
OUTPUT = REPO / "src/painpath/fhir/valuesets/opioid_cds.json"
UPSTREAM = "cqframework/opioid-cds-r4"
UPSTREAM_COMMIT = "b29bdcbf6db6f3de26486dbc3820572ee9a78b89"
RETRIEVED = "2026-11-25"

# painpath key -> upstream file stem
WANTED = {
    "cancer": "cdc-malignant-cancer-conditions",
    "terminal": "conditions-likely-terminal-for-opioid-prescribing",
    "limited_life_expectancy": "limited-life-expectancy-conditions",
    "sickle_cell": "sickle-cell-diseases",
    "hospice_disposition": "valueset-hospice-disposition",
    "office_visit": "valueset-office-visit",
    "opioid_misuse_disorders": "opioid-misuse-disorders",
    "substance_misuse_conditions": "conditions-documenting-substance-misuse",
    "substance_misuse_counseling": "substance-misuse-behavioral-counseling",
    "opioid_counseling": "opioid-counseling-procedure",
    "pdmp_review_procedure": "pdmp-review-procedure",
    "pdmp_data_reviewed_finding": "pdmp-data-reviewed-finding",
    "opioid_misuse_assessment": "opioid-misuse-assessment-procedure",
    "pain_management_procedure": "pain-management-procedure",
    "naloxone": "naloxone-medications",
    "buprenorphine_and_methadone": "buprenorphine-and-methadone-medications",
    "uds_all": "all-urine-drug-screening-tests",
    "uds_opioid": "opioid-urine-drug-screening",
    "uds_non_opioid": "non-opioid-urine-drug-screening",
    "uds_amphetamine": "amphetamine-urine-drug-screening-tests",
    "uds_barbiturate": "barbiturate-urine-drug-screening-tests",
    "uds_benzodiazepine": "benzodiazepine-urine-drug-screening-tests",
    "uds_buprenorphine": "buprenorphine-urine-drug-screening-tests",
    "uds_cannabinoid": "cannabinoid-urine-drug-screening-tests",
    "uds_cocaine": "cocaine-urine-drug-screening-tests",
    "uds_fentanyl": "fentanyl-type-urine-drug-screening-tests",
    "uds_heroin": "heroin-urine-drug-screening-tests",
    "uds_methadone": "methadone-urine-drug-screening-tests",
    "uds_opiate": "general-opiate-urine-drug-screening-tests",
    "uds_opiate_specific": "opiate-specific-urine-drug-screening-tests",
    "uds_oxycodone": "oxycodone-urine-drug-screening-tests",
    "uds_pcp": "phencyclidine-urine-drug-screening-tests",
    "uds_xylazine": "xylazine-urine-drug-screening-tests",
}


def _codes(value_set: dict[str, Any]) -> list[list[str]]:
    pairs = {
        (str(c.get("system", "")), str(c["code"]))
        for c in value_set.get("expansion", {}).get("contains", [])
        if "code" in c
    }
    for include in value_set.get("compose", {}).get("include", []):
        for concept in include.get("concept", []):
            pairs.add((str(include.get("system", "")), str(concept["code"])))
    return [list(pair) for pair in sorted(pairs)]


def derive(valueset_dir: Path) -> dict[str, Any]:
    sets: dict[str, Any] = {}
    for key, stem in sorted(WANTED.items()):
        value_set = json.loads((valueset_dir / f"{stem}.json").read_text(encoding="utf-8"))
        sets[key] = {
            "url": value_set["url"],
            "title": value_set.get("title") or value_set.get("name"),
            "version": value_set.get("version"),
            "date": value_set.get("date"),
            "expansion_timestamp": value_set.get("expansion", {}).get("timestamp"),
            "codes": _codes(value_set),
        }
    return {
        "source": f"{UPSTREAM} at commit {UPSTREAM_COMMIT} (input/vocabulary/valueset, CC0-1.0; "
        "codes from ICD-10-CM, SNOMED CT, LOINC, RxNorm, CPT/HCPCS under their own terms)",
        "retrieved": RETRIEVED,
        "value_sets": sets,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--valuesets", type=Path, default=VALUESET_DIR)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = json.dumps(derive(args.valuesets), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; re-run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
