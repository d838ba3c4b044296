"""Where the wall time of `painpath analytics opioid-measures` goes, phase by phase.

    .venv/bin/python bench/opioid_phases.py CLAIMS DIAGNOSES OUT --workers N [--shard-rows R]

Runs the same code path as the command (the CLI's `runner` and `run_opioid_measures`, a
LocalCluster of N workers) in this process and prints seconds since the interpreter started:
imports, cluster ready, stage 1 (validate + bucket split), stage 2 (measures), the gather shards
(patients, daily MME, entity tables), the gather in this process (rates, rejects, HTML),
cluster closed; and, per shard, where it ran and its own wall seconds (from the markers'
start/end stamps), so the idle gaps between shards show.

Time it with cached bytecode, as `bench/population.py` does (this sandbox sets
PYTHONDONTWRITEBYTECODE=1, and without a cache every process of the job compiles painpath from
source: at 2 workers the cluster was ready 12.3 s after launch without a cache, 3.4 s with one,
03:18 UTC, another process taking one core both times):

    env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=bench/results/pycache \\
        .venv/bin/python bench/opioid_phases.py ...

and run it once untimed first so that the cache is written.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()
WALL0 = time.time()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=Path)
    parser.add_argument("diagnoses", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--shard-rows", type=int, default=500_000)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    marks: list[tuple[str, float, float]] = []

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter() - T0, time.process_time()))

    from painpath.analytics import executor, opioid_outputs
    from painpath.analytics.opioid_job import Inputs, run_opioid_measures
    from painpath.cli.analytics import OPIOID_FORK_PRELOAD, OPIOID_JOB

    mark("imports (painpath.analytics)")
    run_calls = 0
    original_run = executor.Runner.run
    original_gather = opioid_outputs.gather

    def timed_run(self: Any, shards: Any, on_done: Any) -> None:
        nonlocal run_calls
        run_calls += 1
        if self.client is not None and run_calls == 1:
            mark("cluster ready (first use)")
        original_run(self, shards, on_done)
        mark(f"runner.run #{run_calls} done ({len(shards)} shards)")

    def timed_gather(*a: Any, **k: Any) -> None:
        mark("gather start")
        original_gather(*a, **k)
        mark("gather done")

    executor.Runner.run = timed_run  # type: ignore[method-assign]
    opioid_outputs.gather = timed_gather
    with executor.runner(
        "local", args.workers, threads=1, preload=(OPIOID_JOB,), fork_preload=OPIOID_FORK_PRELOAD
    ) as run:
        mark("runner entered")
        run_opioid_measures(
            Inputs(args.claims, args.diagnoses),
            args.out,
            runner=run,
            year=args.year,
            shard_rows=args.shard_rows,
            restart=True,
            on_measured=run.release,
        )
        mark("job returned")
    mark("cluster closed")
    previous = cpu_before = 0.0
    print("seconds since the interpreter started (+ wall since the last mark; this process's CPU)")
    for name, at, cpu in marks:
        print(f"{at:7.2f} s  (+{at - previous:5.2f}; CPU +{cpu - cpu_before:5.2f})  {name}")
        previous, cpu_before = at, cpu
    done = args.out / ".work" / "done"
    rows = []
    for marker in sorted(done.glob("*.json")):
        found = json.loads(marker.read_text())
        if "started" in found:
            rows.append(
                (found["started"], found["ended"], found["pid"], marker.stem, found.get("cpu"))
            )
    if rows:
        origin = WALL0
        print("shards (seconds since the interpreter started):")
        for started, ended, pid, key, cpu in sorted(rows):
            own = "" if cpu is None else f"  (thread CPU {cpu:5.3f} s)"
            print(f"  {key:22} pid {pid:>7}  {started - origin:6.2f} → {ended - origin:6.2f}{own}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
