"""Care suggestions for one patient, warm: is it fast enough to show on page load?

    .venv/bin/python bench/care.py [--reps 200]

Each round validates a request document and runs the engine (`parse_request` + `suggest` +
`as_json`, what `POST /api/care/suggest` does beyond HTTP) for a set of synthetic patients:
every condition in both profiles, plus heavy cases with current opioids (the opioid engine),
a genotype with a converting inhibitor (the PGx engine), labs, problems and therapies tried.
The first call per process (knowledge loading, formulary, PGx tables) is timed apart as "cold".
Budget: warm p99 under 20 ms per patient. Nothing here is asserted by a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from typing import Any

from painpath.care import knowledge, parse_request, suggest

TODAY = date(2026, 12, 7)
BUDGET_MS = 20.0
HEAVY: dict[str, Any] = {
    "age": 79,
    "sex": "female",
    "labs": {"eGFR": 28, "ALT": 45, "platelets": 140, "INR": 1.1, "QTc": 455},
    "problems": ["falls", "J44.9", "I25.10", "K92.2", "depression"],
    "current_meds": [
        "oxycodone ER 20 mg BID",
        "gabapentin 300 mg TID",
        "paroxetine 20 mg daily",
        "apixaban 5 mg BID",
        "zolpidem 5 mg qhs",
    ],
    "genotype": {"CYP2D6": "*1/*4", "CYP2C19": "*2/*17", "CYP2C9": "*1/*3"},
    "scores": {"PHQ-9": 12, "phq9_item9": 1, "STarT Back": 6, "start_back_psychosocial": 4},
    "tried": [
        {"therapy": "pregabalin", "outcome": "intolerance", "weeks": 4},
        {"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 14},
        {"therapy": "topiramate", "outcome": "inadequate_response", "weeks": 10},
    ],
}


def patients() -> list[dict[str, Any]]:
    found = []
    for condition in sorted(knowledge().conditions):
        for profile in ("US", "UK"):
            found.append({"condition": condition, "jurisdiction": profile, "age": 50})
            found.append({"condition": condition, "jurisdiction": profile, **HEAVY})
    return found


def once(document: dict[str, Any]) -> float:
    start = time.perf_counter()
    result = suggest(parse_request(document), today=TODAY).as_json()
    json.dumps(result)
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200, help="rounds over all patients")
    args = parser.parse_args()
    cases = patients()
    cold = once(cases[-1])
    for case in cases:  # warm every path once
        once(case)
    light: list[float] = []
    heavy: list[float] = []
    for _ in range(args.reps):
        for case in cases:
            (heavy if "current_meds" in case else light).append(once(case))
    rows = [("light (condition, profile, age)", light), ("heavy (meds, PGx, labs, tried)", heavy)]
    print(
        f"care suggest: {len(cases)} patients x {args.reps} rounds; cold first call {cold:.1f} ms"
    )
    print(f"{'case':34} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in rows:
        print(
            f"{name:34} {len(values):6d} {statistics.median(values):8.2f}"
            f" {percentile(values, 0.95):8.2f} {percentile(values, 0.99):8.2f} {max(values):8.2f}"
        )
    worst = percentile(heavy + light, 0.99)
    verdict = "within" if worst < BUDGET_MS else "OVER"
    print(f"warm p99 over all patients: {worst:.2f} ms ({verdict} the {BUDGET_MS:g} ms budget)")


if __name__ == "__main__":
    main()
