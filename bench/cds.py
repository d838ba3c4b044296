"""CDS Hooks order-sign under load: open loop, a fixed arrival schedule, painpath beside the
naive path, 1 and 2 server processes, SQLite and PostgreSQL (issue 4, issue 15).

    .venv/bin/python bench/cds.py                      # the full matrix (about 40 minutes)
    .venv/bin/python bench/cds.py --quick              # 10 s steps, 25/100 req/s, SQLite
    .venv/bin/python bench/cds.py --profile            # where one request's CPU goes
    .venv/bin/python bench/cds.py --pg-diagnose ...    # + lock waits and WAL flushes per step
    .venv/bin/python bench/cds.py --py-spy PREFIX ...  # + py-spy of each worker (cds_profile.py)

Each step sends requests at fixed times (t0 + i / rate), whether or not earlier ones have been
answered, so a slow server cannot slow the load down (no coordinated omission); latency is
measured from the time a request was due. The first `--warmup` seconds of a step are sent but
not counted. Every request carries a fresh RS384 client JWT (signed before the step, so the
generator's CPU goes to sending). Every answer is checked: status 200 and the same cards
(summary, indicator, source) as a single request before the run. Server CPU is the server
processes' user + system time over the step, as a share of one core.

Nothing here is a test: no time is asserted anywhere. Results: bench/results/cds.json and a
markdown table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

import loadgen  # noqa: E402
from cds_request import Signer, issuer_setting, order_sign  # noqa: E402
from loadgen import Prepared, percentile  # noqa: E402

PAINPATH = ROOT / ".venv" / "bin" / "painpath"
PYTHON = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DEMO_PATIENTS = 50


@dataclass
class Step:
    database: str
    path: str
    processes: int
    offered: float
    seconds: float
    sent: int = 0
    achieved: float = 0.0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    errors: int = 0
    wrong_cards: int = 0
    server_cpu_percent: float = 0.0
    #: The server processes' CPU while idle (stream watchers, timers), before the steps.
    server_idle_cpu_percent: float = 0.0
    #: Server CPU seconds over the step, less its idle CPU over the same time, divided by the
    #: requests sent in the step (warm-up included).
    server_cpu_ms_per_call: float = 0.0
    #: The load generator's own CPU (this process) over the step: sending and checking.
    generator_cpu_seconds: float = 0.0
    generator_cpu_ms_per_call: float = 0.0
    #: PostgreSQL's processes (postmaster and backends) over the step; 0 for SQLite, whose
    #: work is inside the server processes.
    database_cpu_percent: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    #: With --pg-diagnose (PostgreSQL): WAL flushes in the step and their time (pg_stat_wal),
    #: and lock waits longer than 10 ms from the server log.
    wal_flushes: int | None = None
    wal_flush_ms: float | None = None
    lock_waits_over_10ms: int | None = None
    lock_waits_on_chain_head: int | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` and its children (uvicorn's worker processes)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pending.extend(int(child) for child in children)
    return total


#: With --pg-diagnose: lock waits over 10 ms go to the server log, WAL flushes are timed.
DIAGNOSE_SETTINGS = {
    "log_lock_waits": "on",
    "deadlock_timeout": "10ms",
    "track_wal_io_timing": "on",
    "log_line_prefix": "'%m [%p] '",
}
#: With --pg-diagnose: the PostgreSQL server log of the run (the cluster is removed after it).
POSTGRES_LOG: Path | None = None


@contextmanager
def _database(
    kind: str, folder: Path, *, diagnose: bool = False
) -> Iterator[tuple[str, int | None]]:
    """The database's URL, and for PostgreSQL its postmaster's pid (its backends are children:
    their CPU is on the same two cores as the servers', reported as database CPU)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}", None
        return
    from tests.support.postgres import PostgresCluster

    # PostgreSQL's durable defaults (fsync, synchronous_commit on): every commit is on disk
    # before the call answers, as in production; the tests' cluster skips the flushes.
    cluster = PostgresCluster.start(durable=True, settings=DIAGNOSE_SETTINGS if diagnose else None)
    global POSTGRES_LOG
    POSTGRES_LOG = cluster.root / "log"
    try:
        postmaster = (cluster.data_dir / "postmaster.pid").read_text().split()[0]
        yield cluster.url, int(postmaster)
    finally:
        if diagnose:
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "cds-postgres.log").write_bytes(POSTGRES_LOG.read_bytes())
        POSTGRES_LOG = None
        cluster.stop()


def _wal_flushes(url: str) -> tuple[int, float]:
    """PostgreSQL's WAL flushes so far and the milliseconds spent in them (pg_stat_wal)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            syncs, sync_ms = connection.execute(
                text("SELECT wal_sync, wal_sync_time FROM pg_stat_wal")
            ).one()
    finally:
        engine.dispose()
    return int(syncs), float(sync_ms)


def _lock_waits(log_from: int) -> tuple[int, int]:
    """(lock waits longer than deadlock_timeout, of them on the audit chain's head) logged
    since byte `log_from` of the PostgreSQL log."""
    if POSTGRES_LOG is None:
        return 0, 0
    with POSTGRES_LOG.open("rb") as log:
        log.seek(log_from)
        lines = log.read().decode(errors="replace").splitlines()
    waits = [index for index, line in enumerate(lines) if "still waiting for" in line]
    on_head = sum(
        1 for index in waits if any("audit_chain_head" in line for line in lines[index : index + 4])
    )
    return len(waits), on_head


def _seeded_mrn(url: str, env: dict[str, str]) -> str:
    """Migrate, seed the demo cohort, and pick a patient with stored genotype results."""
    for command in (["db", "upgrade"], ["demo", "seed", "--patients", str(DEMO_PATIENTS)]):
        subprocess.run([str(PAINPATH), *command], env=env, check=True, capture_output=True)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        mrn = connection.execute(
            text(
                "SELECT p.mrn FROM patients p JOIN genotype_results g ON g.patient_id = p.id"
                " ORDER BY p.id LIMIT 1"
            )
        ).scalar_one()
    engine.dispose()
    return str(mrn)


@contextmanager
def _server(path: str, processes: int, env: dict[str, str], port: int) -> Iterator[int]:
    if path == "painpath":
        command = [str(PAINPATH), "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(processes)]
    else:
        command = [str(PYTHON), "-m", "uvicorn", "bench.peers.naive_cds:app_from_environment"]
        command += ["--factory", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(processes), "--no-proxy-headers", "--log-level", "warning"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_health(process, log, port)
            yield process.pid
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_health(process: subprocess.Popen[bytes], log: Any, port: int) -> None:
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.2)


def _card_key(cards: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return sorted(
        (c.get("summary", ""), c.get("indicator", ""), json.dumps(c.get("source"), sort_keys=True))
        for c in cards
    )


def _heads(host: str, port: int, url_path: str, tokens: list[str], body: bytes) -> list[Prepared]:
    """Each request's bytes (a fresh token each), encoded before the step starts."""
    return [
        loadgen.encode(
            "POST",
            url_path,
            host=host,
            port=port,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            body=body,
            kind=f"order-sign {index}",  # the index: --timeline orders answers by due time
        )
        for index, token in enumerate(tokens)
    ]


async def _load(
    host: str,
    port: int,
    requests: list[Prepared],
    rate: float,
    warmup: float,
    expected: list[tuple[str, str, str]],
) -> tuple[list[float], dict[str, int], int, float]:
    """Latencies (ms) of counted requests, statuses, wrong answers, counted wall seconds.

    bench/loadgen.py's open loop; every request's bytes were built before the step (a fresh,
    signed JWT each, used once), so the generator's work during the step is sending and
    checking."""

    def right_cards(_request: Prepared, content: bytes) -> bool:
        return _card_key(json.loads(content)["cards"]) == expected

    outcome = await loadgen.run(host, port, requests, rate, warmup, check=right_cards)
    latencies = [latency for _, latency, _ in outcome.results]
    if TIMELINE is not None:
        TIMELINE.append(
            sorted(
                (int(kind.split()[-1]) / rate, latency, status)
                for kind, latency, status in outcome.results
            )
        )
    statuses: dict[str, int] = {}
    for _, _, status in outcome.results:
        statuses[status] = statuses.get(status, 0) + 1
    return latencies, statuses, outcome.wrong, outcome.counted_seconds


def _samplers(
    prefix: str | None, pid: int, warmup: float, seconds: float, rate: float
) -> list[subprocess.Popen[bytes]]:
    """With --py-spy: py-spy sampling each server worker for the counted seconds of the step,
    PREFIX.RATE.N.txt for worker N (collapsed stacks, read by bench/cds_profile.py).
    PYSPY_OPTIONS adds py-spy options: `--idle` keeps waiting threads, `--gil` only the
    samples holding the GIL (the Python work)."""
    if prefix is None:
        return []
    extra = os.environ.get("PYSPY_OPTIONS", "")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    spy = ROOT / ".venv" / "bin" / "py-spy"
    return [
        subprocess.Popen(
            f"sleep {warmup}; exec {spy} record {extra} --format raw --rate {PY_SPY_RATE}"
            f" --nonblocking --threads --duration {int(seconds)} -p {worker}"
            f" -o {prefix}.{rate:g}.{number}.txt",
            shell=True,
            stdout=subprocess.DEVNULL,
        )
        for number, worker in enumerate(children or [str(pid)])
    ]


#: py-spy's samples per second with --py-spy (bench/cds_profile.py reads it).
PY_SPY_RATE = 250


def _idle_cpu_per_second(pid: int, seconds: float = 5.0) -> float:
    """The server's CPU seconds per second while it serves nothing."""
    before = _cpu_seconds(pid)
    time.sleep(seconds)
    return (_cpu_seconds(pid) - before) / seconds


_percentile = percentile
#: With --timeline: each step's (seconds from the step's start, latency ms, status), by due time.
TIMELINE: list[list[tuple[float, float, str]]] | None = None


def run_matrix(args: argparse.Namespace) -> list[Step]:
    signer = Signer()
    steps: list[Step] = []
    for database in args.databases:
        with (
            tempfile.TemporaryDirectory() as folder,
            _database(database, Path(folder), diagnose=args.pg_diagnose) as (url, database_pid),
        ):
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            env = {
                **os.environ,
                "PAINPATH_DATABASE_URL": url,
                "PAINPATH_DATA_DIR": folder,
                "PAINPATH_ENVIRONMENT": "development",
                "PAINPATH_SECRET_KEY": secrets.token_urlsafe(48),
                "PAINPATH_CDS_ALLOWED_ISSUERS": issuer_setting(signer),
                "PAINPATH_PUBLIC_BASE_URL": base,
                "PYTHONPATH": str(ROOT),
            }
            if args.server_src:  # serve another version's code (e.g. `git archive` of a commit),
                # migrated and seeded by that version too
                env["PYTHONPATH"] = f"{Path(args.server_src).resolve()}{os.pathsep}{ROOT}"
            request = order_sign(_seeded_mrn(url, env))
            audience = f"{base}{request.path}"
            for processes in args.processes:
                for path in args.paths:
                    with _server(path, processes, env, port) as pid:
                        single = httpx.post(
                            f"{base}{request.path}",
                            content=request.body,
                            headers={"Authorization": f"Bearer {signer.token(audience)}"},
                            timeout=60,
                        )
                        single.raise_for_status()
                        expected = _card_key(single.json()["cards"])
                        idle = _idle_cpu_per_second(pid)
                        for rate in args.rates:
                            total = int(rate * (args.warmup + args.seconds))
                            tokens = [signer.token(audience) for _ in range(total)]
                            heads = _heads("127.0.0.1", port, request.path, tokens, request.body)
                            cpu_before, wall_before = _cpu_seconds(pid), time.monotonic()
                            db_before = _cpu_seconds(database_pid) if database_pid else 0.0
                            diagnose = args.pg_diagnose and database == "postgresql"
                            if diagnose:
                                wal_before = _wal_flushes(url)
                                assert POSTGRES_LOG is not None
                                log_from = POSTGRES_LOG.stat().st_size
                            own_before = time.process_time()
                            samplers = _samplers(args.py_spy, pid, args.warmup, args.seconds, rate)
                            latencies, statuses, wrong, counted = asyncio.run(
                                _load(
                                    "127.0.0.1",
                                    port,
                                    heads,
                                    rate,
                                    args.warmup,
                                    expected,
                                )
                            )
                            own = time.process_time() - own_before
                            for sampler in samplers:
                                sampler.wait()
                            cpu = _cpu_seconds(pid) - cpu_before
                            db_cpu = _cpu_seconds(database_pid) - db_before if database_pid else 0
                            wall = time.monotonic() - wall_before
                            ok = statuses.get("200", 0)
                            step = Step(
                                database=database,
                                path=path,
                                processes=processes,
                                offered=rate,
                                seconds=args.seconds,
                                sent=len(latencies),
                                achieved=round(ok / counted, 1) if counted > 0 else 0.0,
                                p50_ms=_percentile(latencies, 0.50),
                                p90_ms=_percentile(latencies, 0.90),
                                p99_ms=_percentile(latencies, 0.99),
                                max_ms=_percentile(latencies, 1.0),
                                errors=len(latencies) - ok,
                                wrong_cards=wrong,
                                server_cpu_percent=round(100 * cpu / wall, 1),
                                server_idle_cpu_percent=round(100 * idle, 1),
                                database_cpu_percent=round(100 * db_cpu / wall, 1),
                                server_cpu_ms_per_call=round(
                                    1000 * max(0.0, cpu - idle * wall) / total, 2
                                ),
                                generator_cpu_seconds=round(own, 2),
                                generator_cpu_ms_per_call=round(1000 * own / total, 2),
                                statuses=statuses,
                            )
                            print(_row(step), flush=True)
                            if diagnose:
                                syncs, sync_ms = _wal_flushes(url)
                                waits, on_head = _lock_waits(log_from)
                                step.wal_flushes = syncs - wal_before[0]
                                step.wal_flush_ms = round(sync_ms - wal_before[1], 1)
                                step.lock_waits_over_10ms = waits
                                step.lock_waits_on_chain_head = on_head
                                print(
                                    f"  WAL flushes {step.wal_flushes} taking"
                                    f" {step.wal_flush_ms} ms; lock waits > 10 ms {waits}"
                                    f" ({on_head} on the audit chain head)",
                                    flush=True,
                                )
                            steps.append(step)
    return steps


HEADER = (
    "| database | path | processes | offered req/s | achieved req/s | p50 ms | p90 ms | p99 ms"
    " | max ms | errors | wrong cards | server CPU % | server CPU ms/call"
    " | generator CPU ms/call | database CPU % |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _row(step: Step) -> str:
    return (
        f"| {step.database} | {step.path} | {step.processes} | {step.offered:g} |"
        f" {step.achieved:g} | {step.p50_ms} | {step.p90_ms} | {step.p99_ms} | {step.max_ms} |"
        f" {step.errors} | {step.wrong_cards} | {step.server_cpu_percent:g} |"
        f" {step.server_cpu_ms_per_call:g} | {step.generator_cpu_ms_per_call:g} |"
        f" {step.database_cpu_percent:g} |"
    )


def profile(requests: int) -> str:
    """cProfile of order-sign calls through the app in this process (TestClient), top costs."""
    from fastapi.testclient import TestClient

    from painpath.config import Settings
    from painpath.web.app import create_app

    signer = Signer()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/profile.sqlite3"
        env = {
            **os.environ,
            "PAINPATH_DATABASE_URL": url,
            "PAINPATH_DATA_DIR": folder,
            "PAINPATH_ENVIRONMENT": "development",
            "PAINPATH_SECRET_KEY": secrets.token_urlsafe(48),
        }
        request = order_sign(_seeded_mrn(url, env))
        base = "http://testserver"
        settings = Settings(
            database_url=url,
            data_dir=Path(folder),
            environment="development",
            secret_key=env["PAINPATH_SECRET_KEY"],
            cds_allowed_issuers=json.loads(issuer_setting(signer)),
            public_base_url=base,
        )
        audience = f"{base}{request.path}"
        tokens = [signer.token(audience) for _ in range(requests + 10)]
        import painpath.web.cds as cds

        profiler = cProfile.Profile()
        handler = cds._call
        profiling = False

        def profiled(*call: Any) -> Any:
            # The handler runs in a worker thread: profile it there (one request at a time).
            return profiler.runcall(handler, *call) if profiling else handler(*call)

        cds._call = profiled  # type: ignore[assignment]
        with TestClient(create_app(settings)) as client:
            for token in tokens[:10]:  # warm caches and imports
                client.post(request.path, content=request.body, headers=_auth(token))
            profiling = True
            for token in tokens[10:]:
                answer = client.post(request.path, content=request.body, headers=_auth(token))
                assert answer.status_code == 200, answer.text
        cds._call = handler
    RESULTS.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(RESULTS / "cds-profile.pstats")  # re-sort with python -m pstats
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(45)
    return out.getvalue()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[25, 50, 100, 150])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--paths", nargs="+", default=["painpath", "naive"])
    parser.add_argument("--quick", action="store_true", help="10 s steps, 25 and 100 req/s")
    parser.add_argument(
        "--server-src",
        metavar="DIR",
        help="serve painpath from this src folder (another version, for before/after)",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="also write each answer's due time and latency (bench/results/cds-timeline.json)",
    )
    parser.add_argument(
        "--pg-diagnose",
        action="store_true",
        help="PostgreSQL: log lock waits over 10 ms and time WAL flushes, per step"
        " (bench/results/cds-postgres.log)",
    )
    parser.add_argument(
        "--py-spy",
        metavar="PREFIX",
        help="py-spy each server worker over every step's counted seconds: PREFIX.RATE.N.txt"
        " (read them with bench/cds_profile.py)",
    )
    parser.add_argument("--profile", type=int, metavar="N", nargs="?", const=300)
    args = parser.parse_args()
    if args.profile:
        print(profile(args.profile))
        return
    if args.quick:
        args.rates, args.seconds, args.warmup, args.databases = [25, 100], 10, 3, ["sqlite"]
    global TIMELINE
    if args.timeline:
        TIMELINE = []
    load_before = os.getloadavg()
    print(f"load average before: {load_before}")
    print(HEADER)
    steps = run_matrix(args)
    load_after = os.getloadavg()
    print(f"load average after: {load_after}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cds.json").write_text(
        json.dumps(
            {
                "load_before": load_before,
                "load_after": load_after,
                "cpus": os.cpu_count(),
                "steps": [asdict(step) for step in steps],
            },
            indent=2,
        )
    )
    if TIMELINE is not None:
        (RESULTS / "cds-timeline.json").write_text(json.dumps(TIMELINE))


if __name__ == "__main__":
    main()
