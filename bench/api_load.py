"""The patient API under load: open loop, a fixed arrival schedule, the mix issue 15 names (sync
batches, record reads, panel loads), 1 and 2 server processes, SQLite and PostgreSQL.

    .venv/bin/python bench/api_load.py                         # the full matrix
    .venv/bin/python bench/api_load.py --quick                 # 10 s steps, 25/50 req/s, SQLite
    .venv/bin/python bench/api_load.py --soak 150 --minutes 10 --databases postgresql --processes 2
    .venv/bin/python bench/api_load.py --costs 30 --processes 2 --databases postgresql

Setup (before anything is measured): a fresh database, `painpath db upgrade`, `painpath demo seed
--patients N`, then, in this process, one patient account per demo patient without one and one
bearer token per patient and per demo clinician, issued straight through the service layer (no
argon2 log-ins during the run). Every request body is built before the step: each sync batch has
a unique batch id and unique client ids (a pain-diary entry for a past day and two dose logs
against one of the patient's own prescriptions), so every batch is stored and runs the alert
rules. The mix, by request: 50 % sync POST (`/api/patients/{id}/sync`, as the patient), 30 %
record reads (the patient's pain diary, observations or prescriptions, as the patient), 20 %
panel loads (the clinician's patient list or panel-wide alerts).

The generator is bench/loadgen.py (raw asyncio streams, keep-alive connections, every request's
bytes encoded before the step; about 0.5 ms of CPU per request): open loop, request i is sent at
t0 + i / rate whatever the server does, so a slow server cannot slow the load (no coordinated
omission); latency runs from the time a request was due. Right after a server starts, `--prime`
seconds of load fill its caches, unreported; the first `--warmup` seconds of each step are sent
but not counted. Reported per step: achieved rate (2xx answers per counted second),
p50/p90/p99/max, errors (anything but 2xx), of which 503 (admission control), the CPU of the
server's process tree, of PostgreSQL's processes (its backends share the cores) and of the
generator, each as % of one core and in ms per request, and the machine's 1-minute load average
before and after. `--soak RATE` runs one rate for `--minutes` and reports the same per minute;
`--costs RATE` sends each kind of request alone, for its CPU per request. Nothing here is a
test; no time is asserted. Results: bench/results/api_*.json and a markdown table on stdout.

PostgreSQL's CPU ("database CPU %") is the postmaster's own, its reaped children's and its live
children's, so a backend or autovacuum worker that exits during a step still counts. Under each
row an HTML comment gives the whole machine's CPU in the step by process group, % of one core
(bench/process_cpu.py --account samples /proc every 0.2 s in its own process): the server's
workers and supervisor, PostgreSQL's backends, autovacuum workers, checkpointer, walwriter,
background writer, postmaster, "pg exited, unsampled" (CPU of processes that exited after their
last sample), the generator, the accountant itself, the machine's busy total (/proc/stat) and
"other" (busy minus all of these: anything else running on the machine), and "pg backends
opened" (new connections: churn). `--pg-insight` (PostgreSQL) also loads pg_stat_statements
(`shared_preload_libraries`, a diagnostic, not a production setting), logs every autovacuum
run and checkpoint and times I/O: each step then lists its 12 statements with the most
execution time, the cluster's block reads, WAL volume, syncs and sync time, checkpoints, and the
largest tables' live and dead rows; the server log is kept as bench/results/api_pg.log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT), str(ROOT / "src")]

import loadgen  # noqa: E402
from loadgen import Prepared, percentile  # noqa: E402
from process_cpu import TICKS  # noqa: E402

from cds import _cpu_seconds, _free_port, _server  # noqa: E402

PAINPATH = ROOT / ".venv" / "bin" / "painpath"
RESULTS = ROOT / "bench" / "results"
#: Share of each kind of request in the mix (by count).
MIX = (("sync", 0.5), ("record", 0.3), ("panel", 0.2))
TOKEN_MINUTES = 24 * 60


@dataclass
class Step:
    database: str
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
    refused_503: int = 0
    server_cpu_percent: float = 0.0
    #: PostgreSQL's processes (its backends do the statements' work on the same cores); 0 on
    #: SQLite, whose work is inside the server processes.
    database_cpu_percent: float = 0.0
    generator_cpu_percent: float = 0.0
    #: CPU per request sent in the step (warm-up included): server, database, generator.
    server_cpu_ms_per_request: float = 0.0
    database_cpu_ms_per_request: float = 0.0
    generator_cpu_ms_per_request: float = 0.0
    #: Connections the generator opened (kept alive and reused).
    connections: int = 0
    #: CPU of each server worker process, % of one core (one process runs Python on one core
    #: at a time, so one near 100 % is saturated whatever the total says).
    worker_cpu_percent: list[float] = field(default_factory=list)
    #: The request kinds sent, when not the whole mix (`--costs`).
    kinds: str = "mix"
    load_before: float = 0.0
    load_after: float = 0.0
    p99_by_kind: dict[str, float | None] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    #: The whole machine's CPU in the step by process group, % of one core (bench/process_cpu.py
    #: `Ledger`): server workers, supervisor, each kind of PostgreSQL process, the generator,
    #: the machine's total busy and what no group explains ("other").
    cpu_groups: dict[str, float] = field(default_factory=dict)
    #: With --pg-insight: the statements with the most execution time in the step, and the
    #: tables' row counts, dead rows and vacuum counts at its end.
    statements: list[dict[str, object]] = field(default_factory=list)
    tables: list[dict[str, object]] = field(default_factory=list)
    #: With --pg-insight: the cluster's block reads and hits, the time reading, WAL written and
    #: flushed, and checkpoints, in the step (pg_stat_database, pg_stat_wal, pg_stat_bgwriter).
    io: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Servers:
    """The server's process id and, on PostgreSQL, the cluster's data directory; the file the
    accountant (bench/process_cpu.py --account) appends its samples to; with --pg-insight, the
    database's URL for pg_stat_statements."""

    server: int
    database_dir: Path | None = None
    ledger: Path | None = None
    insight_url: str | None = None

    def workers(self) -> list[int]:
        """The server's worker processes (uvicorn's children; the server itself with one)."""
        children = Path(f"/proc/{self.server}/task/{self.server}/children").read_text().split()
        return [int(child) for child in children] or [self.server]

    def postmaster(self) -> int | None:
        if self.database_dir is None:
            return None
        return int((self.database_dir / "postmaster.pid").read_text().split()[0])

    def database_cpu(self) -> float:
        """CPU seconds of PostgreSQL's processes so far (0 on SQLite): the postmaster's own,
        its reaped children's (every backend or autovacuum worker that exited: the kernel adds
        their CPU to the postmaster's when it reaps them) and its live children's. Summing the
        live processes alone lost the CPU of every process that exited during a step."""
        postmaster = self.postmaster()
        if postmaster is None:
            return 0.0
        return postgres_cpu(postmaster)


def postgres_cpu(postmaster: int) -> float:
    """The postmaster's CPU with its reaped children's, plus its live children's (seconds)."""
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(value) for value in fields[11:15]) / TICKS
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    for child in children:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # reaped meanwhile: counted in the postmaster's from now on
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


#: With --pg-insight: per-statement times (pg_stat_statements), every autovacuum run and
#: checkpoint in the server log (copied to bench/results/api_pg.log, the cluster is removed).
INSIGHT_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "pg_stat_statements.max": "2000",
    "log_autovacuum_min_duration": "0",
    "log_checkpoints": "on",
    "track_io_timing": "on",
    "track_wal_io_timing": "on",
    "log_line_prefix": "'%m [%p] '",
}


@contextmanager
def database(
    kind: str, folder: Path, settings: dict[str, str] | None = None
) -> Iterator[tuple[str, Path | None]]:
    """A fresh database: its URL and, on PostgreSQL, the throwaway cluster's data directory."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}", None
        return
    from tests.support.postgres import PostgresCluster

    # PostgreSQL's durable defaults, as in production (bench/cds.py): the tests' cluster skips
    # the flushes.
    cluster = PostgresCluster.start(durable=True, settings=settings)
    try:
        yield cluster.url, cluster.data_dir
    finally:
        if settings:
            RESULTS.mkdir(parents=True, exist_ok=True)
            log = cluster.root / "log"
            if log.exists():
                (RESULTS / "api_pg.log").write_bytes(log.read_bytes())
        cluster.stop()


@dataclass(frozen=True)
class Cast:
    """Who calls: (patient id, patient token, one of the patient's prescription ids), clinicians."""

    patients: list[tuple[int, str, int]]
    clinicians: list[str]


def seed(url: str, env: dict[str, str], patients: int) -> Cast:
    """Migrate, seed the demo cohort, give every patient an account, issue every token."""
    for command in (["db", "upgrade"], ["demo", "seed", "--patients", str(patients)]):
        subprocess.run([str(PAINPATH), *command], env=env, check=True, capture_output=True)
    from sqlalchemy import select

    from painpath.auth.passwords import hash_password
    from painpath.db.engine import make_engine, make_session_factory
    from painpath.models import MedicationRequest, Patient, User
    from painpath.models.enums import Role
    from painpath.services.identity.accounts import issue_token
    from painpath.services.transaction import unit_of_work

    engine = make_engine(url)
    factory = make_session_factory(engine)
    password_hash = hash_password(secrets.token_urlsafe(24))  # nobody logs in with it
    with unit_of_work(factory) as session:
        with_account = set(
            session.scalars(select(User.patient_id).where(User.patient_id.is_not(None)))
        )
        for patient in session.scalars(select(Patient).order_by(Patient.id)):
            if patient.id not in with_account:
                session.add(
                    User(
                        username=f"bench.patient.{patient.id}",
                        display_name=f"{patient.given_name} {patient.family_name}",
                        password_hash=password_hash,
                        role=Role.patient,
                        patient_id=patient.id,
                        is_active=True,
                    )
                )
        session.flush()
        prescriptions: dict[int, int] = {}
        for patient_id, request_id in session.execute(
            select(MedicationRequest.patient_id, MedicationRequest.id)
            .where(MedicationRequest.start_date <= datetime.now(UTC).date() - timedelta(days=2))
            .order_by(MedicationRequest.id)
        ):
            prescriptions.setdefault(patient_id, request_id)
        chosen = []
        for user in session.scalars(
            select(User).where(User.role == Role.patient).order_by(User.patient_id)
        ):
            if user.patient_id in prescriptions:
                token, _ = issue_token(session, user=user, minutes=TOKEN_MINUTES)
                chosen.append((int(user.patient_id), token, prescriptions[user.patient_id]))
        clinicians = [
            issue_token(session, user=user, minutes=TOKEN_MINUTES)[0]
            for user in session.scalars(select(User).where(User.role == Role.clinician))
            for _ in range(4)
        ]
    engine.dispose()
    if not chosen or not clinicians:
        raise RuntimeError("the seeded cohort has no patient with a prescription or no clinician")
    return Cast(chosen, clinicians)


def _sync_body(run: str, index: int, request_id: int) -> bytes:
    now = datetime.now(UTC)
    day = (now - timedelta(days=1 + index % 20)).date().isoformat()
    items = [
        {
            "kind": "pain_diary_entry",
            "client_id": f"{run}-d-{index}",
            "local_date": day,
            "pain": 3 + index % 6,
            "body_regions": ["lower-back"],
        },
        *(
            {
                "kind": "dose_log",
                "client_id": f"{run}-m-{index}-{n}",
                "medication_request_id": request_id,
                "effective_at": (now - timedelta(hours=2 + n)).isoformat(),
                "taken": True,
            }
            for n in range(2)
        ),
    ]
    return json.dumps({"batch_id": f"{run}-b-{index}", "items": items}).encode()


RECORD_PATHS = ("pain-diary?limit=20", "observations?limit=20", "medication-requests?limit=20")
PANEL_PATHS = ("/api/patients?limit=50", "/api/monitoring/alerts?limit=50")


def prepare(
    kind: str, method: str, path: str, token: str, port: int, body: bytes | None = None
) -> Prepared:
    """One request's bytes, as the bearer of `token` (JSON body when given)."""
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return loadgen.encode(
        method, path, host="127.0.0.1", port=port, headers=headers, body=body, kind=kind
    )


def plan(
    cast: Cast, total: int, seed_value: int, port: int, kinds: tuple[str, ...] | None = None
) -> list[Prepared]:
    """`total` requests in the mix's proportions (or of `kinds` only, equally), in a shuffled
    but reproducible order, encoded for the server on `port`."""
    chooser = random.Random(seed_value)
    run = secrets.token_hex(4)
    if kinds is None:
        kinds = tuple(kind for kind, share in MIX for _ in range(round(share * 1000)))
    calls = []
    for index in range(total):
        kind = chooser.choice(kinds)
        patient_id, token, request_id = chooser.choice(cast.patients)
        home = f"/api/patients/{patient_id}"
        if kind == "sync":
            body = _sync_body(run, index, request_id)
            calls.append(prepare(kind, "POST", f"{home}/sync", token, port, body))
        elif kind == "record":
            path = f"{home}/{chooser.choice(RECORD_PATHS)}"
            calls.append(prepare(kind, "GET", path, token, port))
        else:
            path = chooser.choice(PANEL_PATHS)
            calls.append(prepare(kind, "GET", path, chooser.choice(cast.clinicians), port))
    return calls


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    port: int,
    pids: Servers,
    cast: Cast,
    step: Step,
    warmup: float,
    seed_value: int,
    kinds: tuple[str, ...] | None = None,
    profile: Path | None = None,
) -> Step:
    total = int(step.offered * (warmup + step.seconds))
    calls = plan(cast, total, seed_value, port, kinds)
    profilers = _profilers(pids, profile, warmup, step)
    step.load_before = os.getloadavg()[0]
    statements_before = _statements(pids.insight_url)
    io_before = _io(pids.insight_url)
    groups_before = _ledger(pids.ledger)
    cpu_before, db_before = _cpu_seconds(pids.server), pids.database_cpu()
    workers_before = {pid: _cpu_seconds(pid) for pid in pids.workers()}
    own_before, wall_before = _own_cpu(), time.monotonic()
    outcome = asyncio.run(loadgen.run("127.0.0.1", port, calls, step.offered, warmup))
    wall = time.monotonic() - wall_before
    for profiler in profilers:
        profiler.wait(timeout=60)
    server_cpu, db_cpu = _cpu_seconds(pids.server) - cpu_before, pids.database_cpu() - db_before
    own_cpu = _own_cpu() - own_before
    step.cpu_groups = _groups(groups_before, _ledger(pids.ledger), own_cpu, wall)
    if pids.insight_url:
        step.statements = _top(statements_before, _statements(pids.insight_url))
        step.tables = _tables(pids.insight_url)
        io_after = _io(pids.insight_url)
        step.io = {name: round(io_after[name] - io_before[name], 1) for name in io_after}
    step.worker_cpu_percent = [
        round(100 * (_cpu_seconds(pid) - before) / wall, 1)
        for pid, before in workers_before.items()
    ]
    step.server_cpu_percent = round(100 * server_cpu / wall, 1)
    step.database_cpu_percent = round(100 * db_cpu / wall, 1)
    step.generator_cpu_percent = round(100 * own_cpu / wall, 1)
    step.server_cpu_ms_per_request = round(1000 * server_cpu / total, 2)
    step.database_cpu_ms_per_request = round(1000 * db_cpu / total, 2)
    step.generator_cpu_ms_per_request = round(1000 * own_cpu / total, 2)
    step.connections = outcome.connections
    step.load_after = os.getloadavg()[0]
    return summarize(step, outcome.results, outcome.counted_seconds)


def _ledger(path: Path | None) -> dict[str, float]:
    """The accountant's newest sample (cumulative CPU seconds per group), {} without one."""
    if path is None:
        return {}
    time.sleep(0.3)  # one more sample, taken after the step's last request
    lines = path.read_bytes().splitlines()
    for line in reversed(lines):
        try:
            found: dict[str, float] = json.loads(line)
            return found
        except ValueError:
            continue  # a line being written
    return {}


def _groups(
    before: dict[str, float], after: dict[str, float], generator: float, wall: float
) -> dict[str, float]:
    """Each group's CPU between two samples, % of one core over the step's wall time."""
    if not before or not after:
        return {}
    seconds = after["at"] - before["at"]
    change = {name: after[name] - before.get(name, 0.0) for name in after if name != "at"}
    found = {
        name: round(100 * value / seconds, 1)
        for name, value in change.items()
        if name.startswith(("server", "pg ", "accountant")) and name != "pg backends seen"
    }
    found["generator"] = round(100 * generator / wall, 1)
    found["machine busy"] = round(100 * change["machine busy"] / seconds, 1)
    counted = sum(
        value
        for name, value in found.items()
        if name.startswith(("server", "accountant", "generator"))
    ) + found.get("pg total (exact)", 0.0)
    found["other"] = round(found["machine busy"] - counted, 1)
    found["pg backends opened"] = change.get("pg backends seen", 0.0)
    return found


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _fetch(url: str, statement: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A statement's column names and rows, on a connection of its own."""
    with _connect(url) as connection:
        cursor = connection.execute(statement)
        return [column.name for column in cursor.description or []], cursor.fetchall()


def _statements(url: str | None) -> dict[int, tuple[str, int, float, int, int]]:
    """pg_stat_statements: queryid → (text, calls, total execution ms, rows, shared blocks
    touched). Execution time is wall time (a busier machine inflates it); blocks are not."""
    if url is None:
        return {}
    _, rows = _fetch(
        url,
        "SELECT queryid, left(regexp_replace(query, '\\s+', ' ', 'g'), 200), calls,"
        " total_exec_time, rows, shared_blks_hit + shared_blks_read"
        " FROM pg_stat_statements WHERE queryid IS NOT NULL",
    )
    found: dict[int, tuple[str, int, float, int, int]] = {}
    for queryid, query, calls, total, count, blocks in rows:
        previous = found.get(queryid)
        if previous is not None:  # the same statement by another user/database
            calls, total = calls + previous[1], total + previous[2]
            count, blocks = count + previous[3], blocks + previous[4]
        found[queryid] = (query, calls, total, count, blocks)
    return found


def _top(
    before: dict[int, tuple[str, int, float, int, int]],
    after: dict[int, tuple[str, int, float, int, int]],
    count: int = 12,
) -> list[dict[str, object]]:
    """The `count` statements with the most execution time between two snapshots."""
    rows = []
    for queryid, (query, calls, total, returned, blocks) in after.items():
        _, calls_before, total_before, returned_before, blocks_before = before.get(
            queryid, ("", 0, 0.0, 0, 0)
        )
        if calls > calls_before:
            rows.append(
                {
                    "ms": round(total - total_before, 1),
                    "calls": calls - calls_before,
                    "ms_per_call": round((total - total_before) / (calls - calls_before), 3),
                    "rows": returned - returned_before,
                    "blocks_per_call": round((blocks - blocks_before) / (calls - calls_before), 1),
                    "query": query,
                }
            )
    rows.sort(key=lambda row: -float(str(row["ms"])))
    return rows[:count]


def _io(url: str | None) -> dict[str, float]:
    """The cluster's I/O counters so far (PostgreSQL 15's statistics views)."""
    if url is None:
        return {}
    _, rows = _fetch(
        url,
        "SELECT (SELECT sum(blks_read) FROM pg_stat_database),"
        " (SELECT sum(blks_hit) FROM pg_stat_database),"
        " (SELECT sum(blk_read_time) FROM pg_stat_database),"
        " wal_bytes / 1048576.0, wal_fpi, wal_write, wal_sync, wal_sync_time,"
        " checkpoints_timed + checkpoints_req, buffers_checkpoint + buffers_clean"
        " + buffers_backend FROM pg_stat_wal, pg_stat_bgwriter",
    )
    names = (
        "blocks read",
        "blocks hit",
        "read ms",
        "WAL MiB",
        "WAL full pages",
        "WAL writes",
        "WAL syncs",
        "WAL sync ms",
        "checkpoints",
        "buffers written",
    )
    return {name: float(value or 0) for name, value in zip(names, rows[0], strict=True)}


def _tables(url: str) -> list[dict[str, object]]:
    """Live and dead rows, vacuums and scans of the tables with the most rows."""
    names, rows = _fetch(
        url,
        "SELECT relname, n_live_tup, n_dead_tup, n_tup_ins, n_tup_upd, n_tup_hot_upd,"
        " n_tup_del, autovacuum_count, autoanalyze_count, seq_scan, seq_tup_read, idx_scan,"
        " pg_total_relation_size(relid) FROM pg_stat_user_tables"
        " ORDER BY n_live_tup + n_dead_tup DESC LIMIT 12",
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def _profilers(
    pids: Servers, profile: Path | None, warmup: float, step: Step
) -> list[subprocess.Popen[bytes]]:
    """py-spy sampling each worker for the counted part of the step (`--profile`): collapsed
    stacks, PREFIX.RATE.N.txt for worker N, read by bench/api_profile.py."""
    if profile is None:
        return []
    # PYSPY_OPTIONS: more py-spy options, e.g. --gil (only samples holding the GIL); not --native,
    # which py-spy refuses with --nonblocking. py-spy's own errors go to stderr.
    extra = os.environ.get("PYSPY_OPTIONS", "")
    command = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", extra, "--format", "raw", "--rate"]
    return [
        subprocess.Popen(
            f"sleep {warmup}; exec {' '.join(command)} 250 --nonblocking --duration"
            f" {int(step.seconds)} --threads -p {pid} -o {profile}.{step.offered:g}.{number}.txt",
            shell=True,
            stdout=subprocess.DEVNULL,
        )
        for number, pid in enumerate(pids.workers())
    ]


def summarize(step: Step, results: list[tuple[str, float, str]], counted: float) -> Step:
    latencies = [latency for _, latency, _ in results]
    for _, _, status in results:
        step.statuses[status] = step.statuses.get(status, 0) + 1
    ok = sum(count for status, count in step.statuses.items() if status.startswith("2"))
    step.sent = len(results)
    step.achieved = round(ok / counted, 1) if counted > 0 else 0.0
    step.p50_ms = percentile(latencies, 0.50)
    step.p90_ms = percentile(latencies, 0.90)
    step.p99_ms = percentile(latencies, 0.99)
    step.max_ms = percentile(latencies, 1.0)
    step.errors = len(results) - ok
    step.refused_503 = step.statuses.get("503", 0)
    step.p99_by_kind = {
        kind: percentile([lat for k, lat, _ in results if k == kind], 0.99) for kind, _ in MIX
    }
    return step


HEADER = (
    "| database | processes | offered req/s | achieved req/s | p50 ms | p90 ms | p99 ms | max ms"
    " | p99 sync / record / panel ms | errors | of which 503 | server CPU % | database CPU %"
    " | generator CPU % | CPU % per worker | CPU ms/request server / database / generator"
    " | load before → after |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(step: Step) -> str:
    kinds = " / ".join(str(step.p99_by_kind.get(kind)) for kind, _ in MIX)
    return (
        f"| {step.database} | {step.processes} | {step.offered:g} | {step.achieved:g} |"
        f" {step.p50_ms} | {step.p90_ms} | {step.p99_ms} | {step.max_ms} | {kinds} |"
        f" {step.errors} | {step.refused_503} | {step.server_cpu_percent:g} |"
        f" {step.database_cpu_percent:g} | {step.generator_cpu_percent:g} |"
        f" {' / '.join(f'{cpu:g}' for cpu in step.worker_cpu_percent)} |"
        f" {step.server_cpu_ms_per_request:g} / {step.database_cpu_ms_per_request:g} /"
        f" {step.generator_cpu_ms_per_request:g} |"
        f" {step.load_before:.2f} → {step.load_after:.2f} |"
    )


COST_HEADER = (
    "| database | processes | kind | req/s | p50 ms | p99 ms | errors"
    " | server CPU ms/request | database CPU ms/request | generator CPU ms/request |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def cost_row(step: Step) -> str:
    return (
        f"| {step.database} | {step.processes} | {step.kinds} | {step.offered:g} |"
        f" {step.p50_ms} | {step.p99_ms} | {step.errors} | {step.server_cpu_ms_per_request:g} |"
        f" {step.database_cpu_ms_per_request:g} | {step.generator_cpu_ms_per_request:g} |"
    )


def environment(url: str, folder: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PAINPATH_DATABASE_URL": url,
        "PAINPATH_DATA_DIR": folder,
        "PAINPATH_ENVIRONMENT": "development",
        "PAINPATH_SECRET_KEY": secrets.token_urlsafe(48),
        "PAINPATH_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }


def run(args: argparse.Namespace) -> list[Step]:
    steps: list[Step] = []
    for kind in args.databases:
        settings = INSIGHT_SETTINGS if args.pg_insight else None
        with (
            tempfile.TemporaryDirectory() as folder,
            database(kind, Path(folder), settings) as found,
        ):
            url, database_dir = found
            port = _free_port()
            env = environment(url, folder, port)
            if args.server_src:  # serve another version's code (e.g. `git archive` of a commit),
                # migrated and seeded by that version too (accounts and tokens by this one's ORM)
                env["PYTHONPATH"] = f"{args.server_src.resolve()}{os.pathsep}{ROOT}"
            cast = seed(url, env, args.patients)
            insight_url = None
            if args.pg_insight and database_dir is not None:
                with _connect(url) as connection:
                    connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                insight_url = url
            print(
                f"<!-- {kind}: {len(cast.patients)} patients with tokens,"
                f" {len(cast.clinicians)} clinician tokens -->",
                flush=True,
            )
            for processes in args.processes:
                with (
                    _server("painpath", processes, env, port) as pid,
                    accountant(pid, database_dir, Path(folder)) as ledger,
                ):
                    pids = Servers(pid, database_dir, ledger, insight_url)
                    if args.prime > 0:  # fill the fresh processes' caches; not reported
                        rate = min([args.soak or args.costs or min(args.rates), 50.0])
                        measure(port, pids, cast, Step(kind, processes, rate, args.prime), 0, 99)
                    if args.soak:
                        steps.extend(soak(port, pids, cast, kind, processes, args))
                    elif args.costs:
                        steps.extend(costs(port, pids, cast, kind, processes, args))
                    else:
                        for number, rate in enumerate(args.rates):
                            step = Step(kind, processes, rate, args.seconds)
                            measure(port, pids, cast, step, args.warmup, number, None, args.profile)
                            print(row(step), flush=True)
                            report(step)
                            steps.append(step)
            print(f"<!-- {kind}: {verify_audit(env)} -->", flush=True)
    return steps


@contextmanager
def accountant(server: int, database_dir: Path | None, folder: Path) -> Iterator[Path]:
    """bench/process_cpu.py --account sampling the server's and PostgreSQL's processes every
    0.2 s in its own process (reading /proc here would take the generator's GIL)."""
    ledger = folder / f"ledger.{server}.jsonl"
    command = [sys.executable, str(ROOT / "bench" / "process_cpu.py"), "--account", str(ledger)]
    command += ["--server", str(server), "--interval", "0.2"]
    if database_dir is not None:
        postmaster = int((database_dir / "postmaster.pid").read_text().split()[0])
        command += ["--postmaster", str(postmaster)]
    process = subprocess.Popen(command)
    try:
        while not ledger.exists() and process.poll() is None:
            time.sleep(0.05)
        yield ledger
    finally:
        process.terminate()
        process.wait(timeout=10)


def report(step: Step) -> None:
    """The step's CPU by process group and, with --pg-insight, its costliest statements and the
    largest tables, as HTML comments under its row."""
    if step.cpu_groups:
        groups = ", ".join(f"{name} {value:g}" for name, value in step.cpu_groups.items())
        print(f"<!-- CPU % of one core: {groups} -->", flush=True)
    if step.io:
        io = ", ".join(f"{name} {value:g}" for name, value in step.io.items())
        print(f"<!-- PostgreSQL I/O in the step: {io} -->", flush=True)
    for statement in step.statements:
        print(
            f"<!--   {statement['ms']} ms, {statement['calls']} calls,"
            f" {statement['ms_per_call']} ms/call, {statement['rows']} rows,"
            f" {statement['blocks_per_call']} blocks/call:"
            f" {str(statement['query'])[:160]} -->",
            flush=True,
        )
    for table in step.tables[:6]:
        print(f"<!--   table {table} -->", flush=True)


def verify_audit(env: dict[str, str]) -> str:
    """`painpath audit verify` on the run's database once its servers have stopped: every
    audit row the run wrote is chained and the chain is intact (exit 0), or what broke."""
    found = subprocess.run(
        [str(PAINPATH), "audit", "verify"], env=env, capture_output=True, text=True, check=False
    )
    lines = (found.stdout + found.stderr).strip().splitlines()
    return f"audit verify: exit {found.returncode}: " + " / ".join(lines[-3:])


def soak(
    port: int, pids: Servers, cast: Cast, kind: str, processes: int, args: argparse.Namespace
) -> list[Step]:
    """One rate for `--minutes`, reported a minute at a time (each minute its own schedule)."""
    found = []
    for minute in range(int(args.minutes)):
        step = Step(kind, processes, args.soak, 60.0)
        measure(port, pids, cast, step, args.warmup if minute == 0 else 0.0, 1000 + minute)
        print(row(step), flush=True)
        report(step)
        found.append(step)
    return found


def costs(
    port: int, pids: Servers, cast: Cast, kind: str, processes: int, args: argparse.Namespace
) -> list[Step]:
    """Each kind of request alone at `--costs` req/s: CPU per request of each part."""
    found = []
    print(COST_HEADER, flush=True)
    for number, (request_kind, _) in enumerate(MIX):
        step = Step(kind, processes, args.costs, args.seconds, kinds=request_kind)
        measure(port, pids, cast, step, args.warmup, 2000 + number, kinds=(request_kind,))
        print(cost_row(step), flush=True)
        found.append(step)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 100, 150, 200])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument(
        "--prime",
        type=float,
        default=10,
        help="seconds of load right after the server starts, before any step, not reported",
    )
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--soak", type=float, metavar="RATE", help="one rate for --minutes")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument(
        "--costs",
        type=float,
        metavar="RATE",
        help="each kind of request alone at RATE: server/database CPU per request",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="PREFIX",
        help="py-spy each worker in every step's counted seconds: PREFIX.RATE.N.txt (collapsed)",
    )
    parser.add_argument(
        "--server-src",
        type=Path,
        metavar="DIR",
        help="serve the painpath package found in DIR (e.g. `git archive BASE src`) for an A/B;"
        " the database is set up by this tree's code",
    )
    parser.add_argument(
        "--pg-insight",
        action="store_true",
        help="PostgreSQL: pg_stat_statements, autovacuum and checkpoint logging; each step's"
        " costliest statements and largest tables; the server log in bench/results/api_pg.log",
    )
    parser.add_argument("--quick", action="store_true", help="10 s steps, 25/50 req/s, SQLite")
    args = parser.parse_args()
    if args.quick:
        args.rates, args.seconds, args.warmup, args.prime = [25, 50], 10, 3, 3
        args.databases, args.processes, args.patients = ["sqlite"], [1], 30
    load_before = os.getloadavg()
    print(f"load average before: {load_before}; {os.cpu_count()} CPUs")
    print(HEADER)
    steps = run(args)
    load_after = os.getloadavg()
    print(f"load average after: {load_after}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "api_soak.json" if args.soak else "api_costs.json" if args.costs else "api_load.json"
    (RESULTS / name).write_text(
        json.dumps(
            {
                "load_before": load_before,
                "load_after": load_after,
                "cpus": os.cpu_count(),
                "patients": args.patients,
                "steps": [asdict(step) for step in steps],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
