"""Apple Health import: painpath's streaming importer + daily aggregation vs a naive full parse.

    .venv/bin/python bench/wearables.py            # one-year export (~1.1 M records) and a 2x one
    .venv/bin/python bench/wearables.py --days 30  # quicker

Generates synthetic exports once (cached in bench/results/data/wearables/, git-ignored), then
runs each contender in its own fresh process, in the same run, and reads that process's peak
resident memory (ru_maxrss) and wall time:

- painpath: `import_file` streamed into `daily_summaries` (defusedxml iterparse, elements
  dropped as read, every sample normalized, de-duplicated daily totals at the end);
- import-only: the same streaming import without aggregation (where the memory goes);
- parse-only: defusedxml's iterparse alone, elements dropped as read, nothing normalized (what
  the safe parser costs before painpath does any work);
- naive: `xml.etree.ElementTree.parse` of the whole file, then a loop over its Records reading
  type and value (less work than painpath does, but the whole tree in memory).

Ratios are naive ÷ painpath (time: >1 means painpath is faster; memory: how many times less
painpath needs). Nothing here is a test; no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "results" / "data" / "wearables"
RESULTS = ROOT / "bench" / "results" / "wearables.json"
TZ = "America/New_York"


def export(days: int) -> tuple[Path, int]:
    """The cached synthetic export of `days` days and its record count (generated if missing)."""
    from painpath.monitoring.wearables.synthetic import write_apple_export

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"export-{days}d-seed1.xml"
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists()):
        started = time.perf_counter()
        written = write_apple_export(path, days=days, seed=1, tz=TZ)
        meta.write_text(json.dumps({"records": written.records}))
        print(
            f"generated {path.name}: {written.records:,} records in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return path, json.loads(meta.read_text())["records"]


def run_painpath(path: Path) -> dict[str, float]:
    from zoneinfo import ZoneInfo

    from painpath.monitoring.wearables import ImportReport, daily_summaries, import_file

    tz = ZoneInfo(TZ)
    report = ImportReport()
    days = daily_summaries(import_file(path, tz=tz, report=report), tz)
    return {"records_read": report.records, "samples": report.samples, "summaries": len(days)}


def run_import_only(path: Path) -> dict[str, float]:
    from painpath.monitoring.wearables import ImportReport, import_file

    report = ImportReport()
    for _ in import_file(path, tz=None, report=report):
        pass
    return {"records_read": report.records, "samples": report.samples}


def run_parse_only(path: Path) -> dict[str, float]:
    from defusedxml.ElementTree import iterparse

    records = depth = 0
    root = None
    for event, elem in iterparse(path, events=("start", "end")):
        if event == "start":
            depth += 1
            root = elem if root is None else root
            continue
        depth -= 1
        if depth == 1:
            records += elem.tag == "Record"
            root.clear()
    return {"records_read": records}


def run_naive(path: Path) -> dict[str, float]:
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    records = 0
    values = 0.0
    for record in root.iter("Record"):
        records += 1
        if record.get("type") == "HKQuantityTypeIdentifierStepCount":
            values += float(record.get("value", "0"))
    return {"records_read": records, "step_sum": values}


def child(contender: str, path: Path) -> None:
    started = time.perf_counter()
    facts = CONTENDERS[contender](path)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, **facts}))


CONTENDERS = {
    "painpath": run_painpath,
    "import-only": run_import_only,
    "parse-only": run_parse_only,
    "naive": run_naive,
}


def measure(contender: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", contender, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--child", nargs=2, metavar=("CONTENDER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    load_before = os.getloadavg()
    rows = []
    for days in (args.days, 2 * args.days):
        path, records = export(days)
        size = path.stat().st_size / 2**20
        for contender in CONTENDERS:
            result = measure(contender, path)
            rows.append(
                {"days": days, "records": records, "mib": size, "contender": contender, **result}
            )
            print(
                f"{days:>4} d {records:>9,} records {size:>6.0f} MiB  {contender:<11} "
                f"{result['seconds']:>7.1f} s  peak {result['peak_mib']:>7.0f} MiB",
                flush=True,
            )
    print()
    for days in (args.days, 2 * args.days):
        mine, peer = (
            next(r for r in rows if r["days"] == days and r["contender"] == c)
            for c in ("painpath", "naive")
        )
        print(
            f"{days} days: time naive/painpath = {peer['seconds'] / mine['seconds']:.2f}x, "
            f"peak memory naive/painpath = {peer['peak_mib'] / mine['peak_mib']:.1f}x"
        )
    one, two = (
        next(r for r in rows if r["days"] == d and r["contender"] == "painpath")
        for d in (args.days, 2 * args.days)
    )
    print(f"painpath peak memory, 2x file / 1x file = {two['peak_mib'] / one['peak_mib']:.2f}")
    print(f"load average before {load_before}, after {os.getloadavg()}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"rows": rows, "load_before": load_before, "load_after": os.getloadavg()}, indent=1
        )
    )


if __name__ == "__main__":
    main()
