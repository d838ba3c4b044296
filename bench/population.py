"""Benchmark: the population jobs on one and two workers against single-process baselines.

    .venv/bin/python bench/population.py [--patients 20000] [--vcf-samples 5000] [--full]

`--full` is the issue's size: 1,000,000 patients (about 10 million claims) and a 100,000-sample
cohort VCF. In one run, interleaved: the opioid measures by the straightforward polars baseline
(bench/population_baseline_polars.py: whole-table expressions in one process) and, up to
50,000 patients, the pandas one (bench/population_baseline.py, one pass per patient) — the
totals of each must equal painpath's — then `painpath analytics opioid-measures` on a
LocalCluster of 1 and of 2 workers; then the cohort by `painpath pgx batch` (one process) and
`painpath analytics pgx-cohort` on 1 and 2 workers (no prescriptions: the same work as
`pgx batch`), then on 2 workers with each patient's medicines (`--meds`).
`--cohort-sizes 100000 1000000`: how the cohort runs scale, in the same run — per size, `pgx
batch` and pgx-cohort on 1 and 2 workers (a size equal to the cohort's reuses its runs above;
another size's VCF is `painpath demo population --patients N --vcf-samples N --seed 1`, kept in
bench/results/data/cohort-N/).
Each is a fresh process, wall clock; peak memory is each shard-running process's own
(getrusage, reported by every shard) and the baseline's, and the command's own (wait4); the
load average (1 min) is read before and after each run. Every command runs with its bytecode
cached in bench/results/pycache (compiled once, untimed, before the first run), as a pip-installed
package has it: this sandbox sets PYTHONDONTWRITEBYTECODE=1 and the project is installed
editable, so otherwise each process — the job, its fork server and workers, `pgx batch` — would
compile painpath's modules from source at every start (≈ 0.3 s each). Data: `painpath demo
population --seed 1`, kept in bench/results/data/population-N/. Raw numbers:
bench/results/population-N.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs; comes with distributed

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
PAINPATH = ROOT / ".venv" / "bin" / "painpath"
PYTHON = ROOT / ".venv" / "bin" / "python"
#: Where every timed command finds (and writes) compiled bytecode; see `bytecode_environment`.
PYCACHE = RESULTS / "pycache"
#: The pandas baseline (one pass per patient) only up to this size: 751 s at 20,000 patients.
PANDAS_MAX_PATIENTS = 50_000


def load() -> float:
    return os.getloadavg()[0]


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


#: Linux lists each thread's children in /proc/PID/task/TID/children.
CHILDREN_FILES = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _descendants(root: psutil.Process) -> list[psutil.Process]:
    """The processes below `root`. From the /proc children files: a few small reads, where
    psutil's children(recursive=True) reads /proc/*/stat of every process on the machine
    (≈ 2.4 ms of CPU per call here, every 50 ms, on the cores being measured)."""
    if not CHILDREN_FILES:
        try:
            return list(root.children(recursive=True))
        except psutil.NoSuchProcess:
            return []
    found: list[psutil.Process] = []
    pending = [root.pid]
    while pending:
        try:
            tasks = list(Path(f"/proc/{pending.pop()}/task").iterdir())
            children = [
                int(pid) for task in tasks for pid in (task / "children").read_text().split()
            ]
        except OSError:  # the process or one of its threads exited meanwhile
            continue
        for child in children:
            try:
                found.append(psutil.Process(child))
            except psutil.NoSuchProcess:
                continue
            pending.append(child)
    return found


def _forked_cpu(root: psutil.Popen, seen: dict[int, tuple[int, bool, float]]) -> None:
    """Sample the CPU of the processes below a multiprocessing fork server. A LocalCluster's
    workers are forked by it and reaped by it, and nobody reaps the fork server itself, so
    their CPU never reaches this process's `RUSAGE_CHILDREN`. `seen`: pid → (parent, below a
    fork server, CPU seconds at the last sample)."""
    for process in _descendants(root):
        try:
            with process.oneshot():
                times = process.cpu_times()
                known = seen.get(process.pid)
                if known is None:
                    parent = process.ppid()
                    forked = "forkserver" in " ".join(process.cmdline()) or (
                        parent in seen and seen[parent][1]
                    )
                else:
                    parent, forked = known[0], known[1]
                seen[process.pid] = (parent, forked, times.user + times.system)
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            pass


def bytecode_environment() -> dict[str, str]:
    """This process's environment with bytecode read from and written to `PYCACHE`."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return environment


def compile_bytecode() -> float:
    """Compile painpath's modules and the baselines' into `PYCACHE`, untimed: seconds taken."""
    start = time.perf_counter()
    spec = importlib.util.find_spec("painpath")  # this tree's, or PYTHONPATH's for an A/B
    if spec is None or spec.origin is None:
        raise SystemExit("painpath is not importable from this interpreter")
    package = str(Path(spec.origin).parent)
    sources = [package, *map(str, BENCH.glob("population_baseline*.py"))]
    subprocess.run(
        [str(PYTHON), "-m", "compileall", "-q", *sources],
        env=bytecode_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall seconds, CPU seconds of the whole process tree, the 1-minute load average before
    and after, and the command's own peak memory (`main_peak_rss_mib`: the process started, or
    one of the children it reaped if larger; from wait4). `env`: added variables. Reaped
    children count through getrusage; the fork server's workers are sampled every 50 ms (their
    CPU after the last sample is missed)."""
    before, cpu = load(), _cpu()
    start = time.perf_counter()
    environment = {**bytecode_environment(), **(env or {})}
    seen: dict[int, tuple[int, bool, float]] = {}
    root = psutil.Popen(command, stdout=subprocess.DEVNULL, env=environment)
    while True:
        pid, status, usage = os.wait4(root.pid, os.WNOHANG)
        if pid:
            break
        _forked_cpu(root, seen)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    returncode = os.waitstatus_to_exitcode(status)
    if returncode:
        raise subprocess.CalledProcessError(returncode, command)
    forked = sum(used for _, below, used in seen.values() if below)
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(_cpu() - cpu + forked, 2),
        "load_before": before,
        "load_after": load(),
        "main_peak_rss_mib": usage.ru_maxrss // 1024,  # KiB on Linux
    }


def worker_peaks(out: Path) -> list[int]:
    summary = json.loads((out / "summary.json").read_text())
    return sorted(summary.get("worker_peak_rss_mib", {}).values())


#: Bounds of --cohort-sizes (the demo writes 1,000,000 samples in ≈ 15 s, 8 MB, 212 MiB peak).
COHORT_SIZES = (100, 2_000_000)


def cohort_size(text: str) -> int:
    size = int(text)
    if not COHORT_SIZES[0] <= size <= COHORT_SIZES[1]:
        raise argparse.ArgumentTypeError(f"{size}: from {COHORT_SIZES[0]} to {COHORT_SIZES[1]:,}")
    return size


def block_samples_for(samples: int) -> int:
    """Few large blocks: each block re-interprets the genotype patterns it shares with the
    others."""
    return max(100, min(25_000, samples // 4))


def line_limit(samples: int) -> dict[str, str] | None:
    """Above ≈ 460,000 samples the #CHROM line (9 bytes a sample here) passes painpath's
    default bound on a line (`max_line_bytes`, 4 MiB): raised for that run, to twice the need."""
    needed = samples * 9 + 4096
    return None if needed <= 4 * 2**20 else {"PAINPATH_MAX_LINE_BYTES": str(2 * needed)}


def pgx_batch(vcf: Path, out: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    return timed([str(PAINPATH), "pgx", "batch", str(vcf), "-o", str(out), "--quiet"], env=env)


def pgx_cohort(
    vcf: Path,
    out: Path,
    workers: int,
    block_samples: int,
    threads: int,
    meds: Path | None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    run = timed(
        [
            str(PAINPATH),
            "analytics",
            "pgx-cohort",
            str(vcf),
            *(["--meds", str(meds)] if meds else []),
            "-o",
            str(out),
            "--workers",
            str(workers),
            "--block-samples",
            str(block_samples),
            "--threads-per-worker",
            str(threads),
            "--quiet",
        ],
        env=env,
    )
    return {**run, "peak_rss_mib": worker_peaks(out)}


def scaling_vcf(size: int) -> tuple[Path, dict[str, Any] | None]:
    """The cohort VCF of `size` samples (written by `painpath demo population` if missing:
    the timing of that run, else None)."""
    folder = RESULTS / "data" / f"cohort-{size}"
    vcf = folder / "cohort.vcf.gz"
    if vcf.exists():
        return vcf, None
    generated = timed(
        [
            str(PAINPATH),
            "demo",
            "population",
            "--patients",
            str(size),
            "--vcf-samples",
            str(size),
            "--seed",
            "1",
            "-o",
            str(folder),
        ]
    )
    print(f"{size:,}-sample VCF generated in {generated['seconds']} s", flush=True)
    return vcf, generated


def cohort_scaling(
    sizes: list[int], results: dict[str, Any], vcf: Path, work: Path, threads: int
) -> dict[str, Any]:
    """Per size: `pgx batch`, pgx-cohort on 1 and 2 workers (no prescriptions). The cohort's
    own size reuses its runs in `results`."""
    scaling: dict[str, Any] = {}
    for size in sizes:
        if size == results["vcf_samples"] and "pgx_batch" in results:
            runs = {"vcf": str(vcf), **{k: results[k] for k in ("pgx_batch", "pgx_1", "pgx_2")}}
        else:
            path, generated = scaling_vcf(size)
            env = line_limit(size)
            runs = {"vcf": str(path), "generated": generated, "env": env}
            runs["pgx_batch"] = pgx_batch(path, work / f"batch-{size}.parquet", env)
            for workers in (1, 2):
                runs[f"pgx_{workers}"] = pgx_cohort(
                    path,
                    work / f"pgx-{size}-{workers}",
                    workers,
                    block_samples_for(size),
                    threads,
                    None,
                    env,
                )
        runs["vcf_mib"] = round(Path(runs["vcf"]).stat().st_size / 2**20, 1)
        runs["block_samples"] = block_samples_for(size)
        scaling[str(size)] = runs
    return scaling


def print_scaling(scaling: dict[str, Any]) -> None:
    print("cohort scaling: per size, pgx batch and pgx-cohort on 1 and 2 workers, no prescriptions")
    print(
        f"{'samples':>9} {'VCF MiB':>8}  {'run':22} {'seconds':>8} {'CPU s':>7} {'load 1-min':>12}"
        f" {'main peak MiB':>14}  peak MiB per shard-running process"
    )
    for size, runs in scaling.items():
        for key, label in (
            ("pgx_batch", "pgx batch"),
            ("pgx_1", "pgx-cohort, 1 worker"),
            ("pgx_2", "pgx-cohort, 2 workers"),
        ):
            r = runs[key]
            print(
                f"{int(size):9,} {runs['vcf_mib']:8.1f}  {label:22} {r['seconds']:8.1f}"
                f" {r['cpu_seconds']:7.1f} {r['load_before']:5.1f} → {r['load_after']:<4.1f}"
                f" {r.get('main_peak_rss_mib', '–'):>14}  {r.get('peak_rss_mib', '')}"
            )
        batch, one, two = (runs[k]["seconds"] for k in ("pgx_batch", "pgx_1", "pgx_2"))
        print(
            f"{int(size):9,} samples: pgx batch ÷ 1 worker {batch / one:.2f}×;"
            f" 1 ÷ 2 workers {one / two:.2f}×; pgx batch ÷ 2 workers {batch / two:.2f}×"
            + (f"; run with {runs['env']}" if runs.get("env") else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--vcf-samples", type=int, default=5_000)
    parser.add_argument(
        "--shard-rows", type=int, default=None, help="default: claims ÷ 8, at most 500,000"
    )
    parser.add_argument("--full", action="store_true", help="1,000,000 patients, 100,000 samples")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--only",
        choices=("pgx", "opioid"),
        default=None,
        help="pgx: only the cohort runs (pgx batch, pgx-cohort); opioid: only the measures "
        "(baselines, opioid-measures)",
    )
    parser.add_argument(
        "--cohort-sizes",
        type=cohort_size,
        nargs="+",
        default=[],
        metavar="N",
        help="cohort scaling: per size (samples), pgx batch and pgx-cohort on 1 and 2 workers",
    )
    parser.add_argument(
        "--threads-per-worker",
        type=int,
        default=1,
        help="polars/Arrow threads per painpath worker (default 1: a worker is one core)",
    )
    args = parser.parse_args()
    if args.full:
        args.patients, args.vcf_samples = 1_000_000, 100_000
    data = RESULTS / "data" / f"population-{args.patients}"
    if not (data / "claims.parquet").exists():
        generated = timed(
            [
                str(PAINPATH),
                "demo",
                "population",
                "--patients",
                str(args.patients),
                "--vcf-samples",
                str(args.vcf_samples),
                "-o",
                str(data),
            ]
        )
        print(f"data generated in {generated['seconds']} s")
    print(f"bytecode compiled into {PYCACHE.relative_to(ROOT)} in {compile_bytecode():.1f} s")
    claims, diagnoses, vcf = (
        data / "claims.parquet",
        data / "diagnoses.parquet",
        data / "cohort.vcf.gz",
    )
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(claims).metadata.num_rows
    shard_rows = args.shard_rows or max(1_000, min(500_000, rows // 8))
    block_samples = block_samples_for(args.vcf_samples)
    work = RESULTS / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: dict[str, Any] = {
        "patients": args.patients,
        "claims": rows,
        "vcf_samples": args.vcf_samples,
        "cpus": os.cpu_count(),
        "shard_rows": shard_rows,
        "block_samples": block_samples,
        "threads_per_worker": args.threads_per_worker,
    }
    # The polars baseline twice: on all cores, and on one thread (POLARS_MAX_THREADS=1 in its
    # fresh process), since one painpath worker is one core.
    opioid_runs = args.only in (None, "opioid")
    cohort_runs = args.only in (None, "pgx")
    baselines = ["polars", "polars_1thread"] if opioid_runs and not args.skip_baseline else []
    if opioid_runs and not args.skip_baseline and args.patients <= PANDAS_MAX_PATIENTS:
        if importlib.util.find_spec("pandas") is None:
            print("pandas is not installed: the pandas baseline is skipped")
        else:
            baselines.append("pandas")
    for engine in baselines:
        out = work / f"baseline-{engine}.json"
        script = "population_baseline.py" if engine == "pandas" else "population_baseline_polars.py"
        run = timed(
            [str(PYTHON), str(BENCH / script), str(claims), str(diagnoses), "2025", str(out)],
            env={"POLARS_MAX_THREADS": "1"} if engine == "polars_1thread" else None,
        )
        base = json.loads(out.read_text())
        results[f"baseline_{engine}"] = {
            **run,
            "peak_rss_mib": [base["peak_rss_mib"]],
            "totals": base["totals"],
        }
    for workers in (1, 2) if opioid_runs else ():
        out = work / f"opioids-{workers}"
        run = timed(
            [
                str(PAINPATH),
                "analytics",
                "opioid-measures",
                str(claims),
                "--diagnoses",
                str(diagnoses),
                "-o",
                str(out),
                "--workers",
                str(workers),
                "--year",
                "2025",
                "--shard-rows",
                str(shard_rows),
                "--threads-per-worker",
                str(args.threads_per_worker),
                "--quiet",
            ]
        )
        results[f"opioids_{workers}"] = {**run, "peak_rss_mib": worker_peaks(out)}
    if baselines:
        import polars as pl

        measures = pl.read_parquet(work / "opioids-1" / "measures.parquet")
        ours = {}
        for measure, den, num in measures.select("measure", "denominator", "numerator").rows():
            base_name = measure.split("_")[0]
            ours[base_name] = den
            ours[f"{measure}_n"] = num
        results["totals_equal"] = {
            engine: ours == results[f"baseline_{engine}"]["totals"] for engine in baselines
        }
    if cohort_runs:
        results["pgx_batch"] = pgx_batch(vcf, work / "batch.parquet")
    # pgx-cohort without prescriptions does what `pgx batch` does (like for like); then once
    # with each patient's medicines (phenoconversion: more distinct patterns to interpret).
    for workers, meds in ((1, False), (2, False), (2, True)) if cohort_runs else ():
        name = f"pgx_{workers}" + ("_meds" if meds else "")
        results[name] = pgx_cohort(
            vcf,
            work / name,
            workers,
            block_samples,
            args.threads_per_worker,
            data / "prescriptions.parquet" if meds else None,
        )
    if args.cohort_sizes:
        results["cohort_scaling"] = cohort_scaling(
            args.cohort_sizes, results, vcf, work, args.threads_per_worker
        )
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{args.only}" if args.only else ""
    (RESULTS / f"population-{args.patients}{suffix}.json").write_text(json.dumps(results, indent=1))
    print(
        f"{args.patients:,} patients, {rows:,} claims; cohort {args.vcf_samples:,} samples; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'run':34} {'seconds':>9} {'CPU s':>8} {'load 1-min before→after':>24}"
        "  peak MiB per process"
    )
    for key, label in (
        ("baseline_polars", "measures: polars baseline, 1 proc"),
        ("baseline_polars_1thread", "measures: polars baseline, 1 thread"),
        ("baseline_pandas", "measures: pandas baseline, 1 proc"),
        ("opioids_1", "measures: painpath, 1 worker"),
        ("opioids_2", "measures: painpath, 2 workers"),
        ("pgx_batch", "cohort: painpath pgx batch"),
        ("pgx_1", "cohort: pgx-cohort, 1 worker"),
        ("pgx_2", "cohort: pgx-cohort, 2 workers"),
        ("pgx_2_meds", "cohort: pgx-cohort, 2 w., --meds"),
    ):
        if key in results:
            r = results[key]
            print(
                f"{label:34} {r['seconds']:9.1f} {r['cpu_seconds']:8.1f} {r['load_before']:11.1f}"
                f" → {r['load_after']:<10.1f}  {r.get('peak_rss_mib', '')}"
            )
    if opioid_runs:
        one, two = (results[k]["seconds"] for k in ("opioids_1", "opioids_2"))
        print(f"measures 1 ÷ 2 workers: {one / two:.2f}×", end="")
        for engine in baselines:
            base = results[f"baseline_{engine}"]["seconds"]
            print(f"; {engine} baseline ÷ 1 worker: {base / one:.2f}×", end="")
            print(f"; {engine} baseline ÷ 2 workers: {base / two:.2f}×", end="")
        print(f"; totals equal: {results.get('totals_equal', '-')}")
    if cohort_runs:
        cohort_one, cohort_two = (results[k]["seconds"] for k in ("pgx_1", "pgx_2"))
        print(
            f"cohort: pgx batch ÷ 1 worker: {results['pgx_batch']['seconds'] / cohort_one:.2f}×;"
            f" 1 ÷ 2 workers: {cohort_one / cohort_two:.2f}×"
        )
    if args.cohort_sizes:
        print_scaling(results["cohort_scaling"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
