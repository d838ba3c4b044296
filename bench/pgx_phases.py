"""Where `painpath analytics pgx-cohort`'s wall time goes, phase by phase, in one process.

    .venv/bin/python bench/pgx_phases.py VCF [--meds PRESCRIPTIONS.parquet] [--workers 0 1 2]

For each worker count (0: `--scheduler synchronous`, everything in this process), the job runs
as the CLI runs it (`executor.runner` + `pgx_job.run_pgx_cohort`) with timers wrapped around
its phases: imports (measured in a fresh interpreter), cluster start (until the client is
ready) and shutdown, the first pass, planning the calling shards, the calling, the gather (the
row groups written during the calling, inside it, and the rest after it) and, inside the
gather, the expansion to samples, the Parquet writes and the HTML summary. Phases
that overlap (the first pass runs while the cluster starts) are each timed on their own, so
the phases need not add up to the wall time; `wall` is the whole job. Output: a table per
worker count, and `bench/results/pgx-phases.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()
BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
#: What the pgx-cohort command imports before it runs the job.
CLI_IMPORTS = (
    "import painpath.cli.main, distributed, polars, pyarrow, painpath.analytics.pgx_job, "
    "painpath.analytics.cohort_outputs"
)

spent: dict[str, float] = defaultdict(float)


@contextmanager
def timer(name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        spent[name] += time.perf_counter() - start


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with timer(name):
            return function(*args, **kwargs)

    return wrapper


def import_seconds() -> float:
    """Seconds for a fresh interpreter to start and import what the command imports."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI_IMPORTS], check=True)
    return time.perf_counter() - start


def instrument() -> None:
    import pyarrow.parquet as pq

    import painpath.analytics.cohort_outputs as outputs
    import painpath.analytics.executor as executor
    import painpath.analytics.pgx_job as job
    import painpath.analytics.workdir as workdir

    for module, name, label in (
        (job, "split_file", "first pass (in this process)"),
        (job, "call_shards", "plan calling shards"),
        (job, "current_medicines", "read --meds"),
        (outputs, "write_summary", "gather: summary.html"),
        (outputs, "write_parquet", "gather: small Parquet"),
    ):
        setattr(module, name, timed(label, getattr(module, name)))
    for owner, name, label in (
        (pq.ParquetWriter, "write_table", "gather: Parquet writes (big)"),
        (pq.ParquetWriter, "close", "gather: Parquet writes (big)"),
        (outputs._PatternRows, "for_samples", "gather: expand to samples"),
        (workdir.Workdir, "worker_peaks", "gather: worker peaks"),
        (executor.Runner, "run", "run shards (calling; first pass rest)"),
        (outputs.CohortGather, "shard_done", "gather: row groups during the calling"),
        (outputs.CohortGather, "finish", "gather: after the calling (rest, all)"),
    ):
        setattr(owner, name, timed(label, getattr(owner, name)))


def run(vcf: Path, meds: Path | None, workers: int, out: Path) -> dict[str, float]:
    from painpath.analytics import executor
    from painpath.analytics.pgx_job import WORKER_PRELOAD, run_pgx_cohort

    shutil.rmtree(out, ignore_errors=True)
    scheduler = "synchronous" if workers == 0 else "local"
    start = time.perf_counter()
    with timer("runner: enter"):
        context = executor.runner(scheduler, max(workers, 1), "auto", 1, WORKER_PRELOAD)
        runner = context.__enter__()
    try:
        with timer("job"):
            run_pgx_cohort([vcf], out, runner=runner, prescriptions=meds)
    finally:
        with timer("runner: exit (cluster shutdown)"):
            context.__exit__(None, None, None)
    spent["job wall (runner + job)"] = time.perf_counter() - start
    return {k: round(v, 3) for k, v in spent.items()}


def cluster_alone(workers: int) -> dict[str, float]:
    """A LocalCluster of this many workers (with the job's preload) started and stopped."""
    from painpath.analytics import executor
    from painpath.analytics.pgx_job import WORKER_PRELOAD

    start = time.perf_counter()
    with executor.runner("local", workers, "auto", 1, WORKER_PRELOAD) as runner:
        assert runner.client is not None
        ready = time.perf_counter()
    return {"start": round(ready - start, 3), "stop": round(time.perf_counter() - ready, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vcf", type=Path)
    parser.add_argument("--meds", type=Path, default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        # One job in this fresh process: nothing imported or loaded by an earlier run.
        import painpath.analytics.pgx_job  # noqa: F401  (what the command imports first)

        spent["process start + imports"] = time.perf_counter() - STARTED
        instrument()
        out = RESULTS / "work" / f"phases-{args.child}"
        print(json.dumps(run(args.vcf, args.meds, args.child, out)))
        return 0
    print(f"load average before: {os.getloadavg()}")
    results: dict[str, Any] = {"imports (fresh interpreter)": round(import_seconds(), 3)}
    for workers in (n for n in args.workers if n):
        results[f"cluster alone, {workers} workers"] = cluster_alone(workers)
    for workers in args.workers:
        meds = ["--meds", str(args.meds)] if args.meds else []
        command = [sys.executable, __file__, str(args.vcf), *meds, "--child", str(workers)]
        start = time.perf_counter()
        found = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results[f"workers={workers}"] = {
            **json.loads(found.splitlines()[-1]),
            "process (whole)": round(time.perf_counter() - start, 3),
        }
    print(f"load average after: {os.getloadavg()}")
    print(json.dumps(results, indent=1))
    RESULTS.mkdir(exist_ok=True)
    name = "pgx-phases-meds.json" if args.meds else "pgx-phases.json"
    (RESULTS / name).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
