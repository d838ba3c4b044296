"""`/health` and the patient API mix with 0 and with N open idle alert streams, in one run, on
SQLite and PostgreSQL (issue 15: 500 open streams must not change either p99 by more than 10 %).

    .venv/bin/python bench/stream_load.py                          # 500 streams, both databases
    .venv/bin/python bench/stream_load.py --streams 100 --seconds 10 --databases sqlite

Per database: the same setup as bench/api_load.py (demo cohort, one token per patient and per
clinician, bodies built before the run), `painpath serve --workers P`. Then, twice — first with
no stream open, then with `--streams` open `GET /api/monitoring/alerts/stream` connections held
by the demo clinicians or, with `--holders patients`, the patients (by a process of their own;
opened, their first line read, then read and discarded) — the API mix at `--rate` and
`/health` at `--health-rate`, both open loop on one asyncio loop, for `--seconds` after
`--warmup`. Reported: p50/p99 of each, errors, the server's CPU, the alert events the streams
received, and the change from 0 streams. `--rounds R` alternates 0 and N streams R times on the
same servers (0/N/0/N... ; each N phase against the 0 phase before it) and ends with the median
p99 of each side and the median of the rounds' changes, so one noisy phase does not decide.
The streams' database cost (statements per second) is bench/alert_stream.py's measure:
`.venv/bin/python bench/alert_stream.py --streams 0 100 500`. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT), str(ROOT / "src")]

import loadgen  # noqa: E402
from api_load import Cast, environment, plan, seed  # noqa: E402
from loadgen import percentile as _percentile  # noqa: E402

from cds import _cpu_seconds, _database, _free_port, _server  # noqa: E402

RESULTS = ROOT / "bench" / "results"


class StreamHolder:
    """`count` open streams, held by a process of their own (so their reading never delays the
    measuring loop), on raw asyncio sockets: each connection sends its request, reads up to the
    stream's first line, then reads and discards what comes (keep-alives, alerts) until told to
    stop. Reports how many opened and how many alert events they received."""

    def __init__(self, base: str, tokens: list[str], count: int, open_timeout: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._ours, theirs = context.Pipe()
        self.process = context.Process(
            target=_hold_in_process, args=(base, tokens, count, open_timeout, theirs), daemon=True
        )
        self.process.start()

    async def opened(self) -> int:
        """Wait until every stream has opened (or the open timeout passed); how many did."""
        kind, ready, failures = await asyncio.to_thread(self._ours.recv)
        assert kind == "opened"
        if failures:
            print(f"<!-- {len(failures)} streams failed; first: {failures[0]} -->", flush=True)
        return int(ready)

    async def close(self) -> int:
        """Close the streams; the alert events they had received."""
        self._ours.send("stop")
        kind, alerts = await asyncio.to_thread(self._ours.recv)
        assert kind == "closed"
        await asyncio.to_thread(self.process.join, 30)
        return int(alerts)


def _holders(cast: Cast, args: argparse.Namespace) -> list[str]:
    """The tokens the streams are opened with: the demo clinicians' (every alert of the API
    mix reaches most streams) or the patients' (each stream gets only its patient's alerts)."""
    if args.holders == "patients":
        return [token for _, token, _ in cast.patients]
    return cast.clinicians


def _hold_in_process(
    base: str, tokens: list[str], count: int, open_timeout: float, pipe: Connection
) -> None:
    asyncio.run(_hold(base, tokens, count, open_timeout, pipe))


async def _hold(
    base: str, tokens: list[str], count: int, open_timeout: float, pipe: Connection
) -> None:
    host, port = base.removeprefix("http://").split(":")
    ready = 0
    alerts = 0
    failures: list[str] = []
    all_open = asyncio.Event()

    async def held(token: str) -> None:
        nonlocal ready, alerts
        for _ in range(10):  # as an EventSource does, try again after a 503 (admission)
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                f"GET /api/monitoring/alerts/stream HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            if head.startswith(b"HTTP/1.1 200"):
                break
            writer.close()
            if not head.startswith(b"HTTP/1.1 503"):
                raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
            await asyncio.sleep(1 + random.random())
        else:
            raise RuntimeError("503 ten times")
        try:
            await reader.readuntil(b"retry:")
            ready += 1
            if ready + len(failures) == count:
                all_open.set()
            while chunk := await reader.read(65536):
                alerts += chunk.count(b"event: alert")
        finally:
            writer.close()

    async def one(token: str) -> None:
        try:
            await held(token)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # reported: a stream that could not open or broke
            failures.append(repr(error)[:200])
            if ready + len(failures) == count:
                all_open.set()

    tasks = [asyncio.create_task(one(tokens[n % len(tokens)])) for n in range(count)]
    if count == 0:
        all_open.set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_open.wait(), timeout=open_timeout)
    pipe.send(("opened", ready, failures))
    await asyncio.to_thread(pipe.recv)  # "stop"
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    pipe.send(("closed", alerts))


async def _phase(
    base: str,
    pid: int,
    cast: Cast,
    streams: int,
    args: argparse.Namespace,
    seed_value: int,
    url: str,
) -> tuple[
    list[tuple[str, float, str]], list[tuple[str, float, str]], int, tuple[float, float], int, int
]:
    """API and /health results, the streams that opened, the server's and the stream holder's
    CPU % while measuring (the holder shares the machine's cores with the server), the alert
    events the streams received, and on PostgreSQL the connections LISTENing for alerts at the
    end (one per server process with a stream open; -1 on SQLite)."""
    port = int(base.rsplit(":", 1)[1])
    api_calls = plan(cast, int(args.rate * (args.warmup + args.seconds)), seed_value, port)
    health_request = loadgen.encode("GET", "/health", host="127.0.0.1", port=port, kind="health")
    health_calls = [health_request] * int(args.health_rate * (args.warmup + args.seconds))
    holder = StreamHolder(base, _holders(cast, args), streams, args.open_timeout)
    opened = await holder.opened()
    await asyncio.sleep(args.settle)
    cpu_before, wall_before = _cpu_seconds(pid), time.monotonic()
    holder_before = _cpu_seconds(holder.process.pid or 0)
    profile = RESULTS / f"stream-load-{streams}.txt" if args.py_spy else None
    spies = _spies(pid, profile, args.warmup + args.seconds)
    api_outcome, health_outcome = await asyncio.gather(
        loadgen.run("127.0.0.1", port, api_calls, args.rate, args.warmup),
        loadgen.run("127.0.0.1", port, health_calls, args.health_rate, args.warmup),
    )
    api, health = api_outcome.results, health_outcome.results
    wall = time.monotonic() - wall_before
    cpu = 100 * (_cpu_seconds(pid) - cpu_before) / wall
    holder_cpu = 100 * (_cpu_seconds(holder.process.pid or 0) - holder_before) / wall
    for spy in spies:
        await asyncio.to_thread(spy.wait)
    listening = await asyncio.to_thread(_listening, url)
    alerts = await holder.close()
    return api, health, opened, (round(cpu, 1), round(holder_cpu, 1)), alerts, listening


def _listening(url: str) -> int:
    """PostgreSQL: the sessions whose last statement was a LISTEN (the alert hubs')."""
    if not url.startswith("postgresql"):
        return -1
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'"
        ).fetchone()
    return int(row[0]) if row else 0


def _spies(pid: int, profile: Path | None, seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each worker of the server `pid` for `seconds` (none without a path)."""
    if profile is None:
        return []
    spies = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        output = profile.with_name(f"{profile.stem}-{child}.txt")
        command = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", child]
        command += ["--duration", str(int(seconds)), "--format", "raw", "-o", str(output)]
        command += ["--nonblocking", "--rate", "100"]
        spies.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
    return spies


async def _idle(
    base: str, pid: int, cast: Cast, streams: int, args: argparse.Namespace, profile: Path | None
) -> tuple[int, float, int]:
    """Open `streams`, then, with no other load, the server's CPU % over `--seconds` (and a
    py-spy profile of its workers when `profile` is given); the streams that opened and the
    alert events they received."""
    holder = StreamHolder(base, _holders(cast, args), streams, args.open_timeout)
    opened = await holder.opened()
    await asyncio.sleep(args.settle)
    spies = _spies(pid, profile, args.seconds)
    cpu_before, wall_before = _cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(args.seconds)
    cpu = 100 * (_cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
    for spy in spies:
        await asyncio.to_thread(spy.wait)
    alerts = await holder.close()
    return opened, round(cpu, 1), alerts


@contextlib.contextmanager
def _served(database: str, args: argparse.Namespace) -> Iterator[tuple[str, int, Cast, str]]:
    """A fresh `database` with the demo cohort seeded, served by `--processes` workers: the
    base URL, the server's pid, the cast of tokens and the database URL."""
    with tempfile.TemporaryDirectory() as folder, _database(database, Path(folder)) as found:
        url = found[0]
        port = _free_port()
        env = environment(url, folder, port)
        cast = seed(url, env, args.patients)
        with _server("painpath", args.processes, env, port) as pid:
            yield f"http://127.0.0.1:{port}", pid, cast, url


def idle_run(args: argparse.Namespace) -> None:
    """Server CPU with 0 and with `--streams` idle streams, no other load (`--idle`)."""
    for database in args.databases:
        with _served(database, args) as (base, pid, cast, _):
            for streams in (0, args.streams):
                profile = None
                if args.py_spy and streams:
                    profile = RESULTS / f"stream-idle-{database}.txt"
                    RESULTS.mkdir(parents=True, exist_ok=True)
                load_before = os.getloadavg()[0]
                opened, cpu, _ = asyncio.run(_idle(base, pid, cast, streams, args, profile))
                print(
                    f"| {database} | {args.processes} | {opened} | idle | {cpu} |"
                    f" {load_before:.2f} → {os.getloadavg()[0]:.2f} |",
                    flush=True,
                )


def _summary(results: list[tuple[str, float, str]]) -> dict[str, Any]:
    latencies = [latency for _, latency, _ in results]
    errors = sum(1 for _, _, status in results if not status.startswith("2"))
    return {
        "p50_ms": _percentile(latencies, 0.5),
        "p99_ms": _percentile(latencies, 0.99),
        "errors": errors,
        "sent": len(results),
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for database in args.databases:
        with _served(database, args) as (base, pid, cast, url):
            plan_ = [0, args.streams] * args.rounds  # alternating: each 0 phase is its baseline
            for number, streams in enumerate(plan_):
                load_before = os.getloadavg()[0]
                api, health, opened, cpu, alerts, listening = asyncio.run(
                    _phase(base, pid, cast, streams, args, number, url)
                )
                row = {
                    "database": database,
                    "processes": args.processes,
                    "streams": opened,
                    "holders": args.holders,
                    "api": _summary(api),
                    "health": _summary(health),
                    "server_cpu_percent": cpu[0],
                    "stream_holder_cpu_percent": cpu[1],
                    "alert_events_received": alerts,
                    "listening_connections": listening,
                    "load": f"{load_before:.2f} → {os.getloadavg()[0]:.2f}",
                }
                print(_row(row, rows[-1] if streams else None), flush=True)
                rows.append(row)
            if args.rounds > 1:
                print(_medians([r for r in rows if r["database"] == database]), flush=True)
    return rows


def _medians(rows: list[dict[str, Any]]) -> str:
    """One database's alternating run: the median p99 of the phases without and with streams,
    and the median of each round's change (a round: a phase without, then one with)."""
    lines = []
    for part in ("health", "api"):
        without = [r[part]["p99_ms"] for r in rows[0::2]]
        with_ = [r[part]["p99_ms"] for r in rows[1::2]]
        changes = [100 * (w - b) / b for b, w in zip(without, with_, strict=True) if b and w]
        low, high = round(statistics.median(without), 1), round(statistics.median(with_), 1)
        each = ", ".join(f"{c:+.0f} %" for c in changes)
        lines.append(
            f"{part} p99 median {low} ms without streams, {high} ms with"
            f" ({_change(high, low)}); median of the rounds' changes"
            f" {statistics.median(changes):+.0f} %, each: {each}"
        )
    return f"<!-- {rows[0]['database']}: " + "; ".join(lines) + " -->"


def _change(now: float | None, before: float | None) -> str:
    if now is None or not before:
        return "–"
    return f"{100 * (now - before) / before:+.0f} %"


def _row(row: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    api, health = row["api"], row["health"]
    api_change = _change(api["p99_ms"], baseline["api"]["p99_ms"]) if baseline else "–"
    health_change = _change(health["p99_ms"], baseline["health"]["p99_ms"]) if baseline else "–"
    return (
        f"| {row['database']} | {row['processes']} | {row['streams']} | {health['p50_ms']} |"
        f" {health['p99_ms']} | {health_change} | {api['p50_ms']} | {api['p99_ms']} |"
        f" {api_change} | {api['errors'] + health['errors']} | {row['server_cpu_percent']} |"
        f" {row['stream_holder_cpu_percent']} |"
        f" {row['alert_events_received']} | {row['listening_connections']} | {row['load']} |"
    )


HEADER = (
    "| database | processes | open streams | /health p50 ms | /health p99 ms | change"
    " | API p50 ms | API p99 ms | change | errors | server CPU % | stream holder CPU %"
    " | alert events to streams | LISTEN connections | load before → after |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50, help="API mix, requests/s")
    parser.add_argument("--health-rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--settle", type=float, default=5, help="after the streams open")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--open-timeout", type=float, default=180)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--holders", choices=["clinicians", "patients"], default="clinicians")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="phases without and with streams, alternating, this many times each (one server)",
    )
    parser.add_argument("--idle", action="store_true", help="server CPU with idle streams only")
    parser.add_argument("--py-spy", action="store_true", help="profile the workers (bench/results)")
    args = parser.parse_args()
    if args.idle:
        print(f"load average before: {os.getloadavg()}; {os.cpu_count()} CPUs")
        idle_run(args)
        print(f"load average after: {os.getloadavg()}")
        return
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} CPUs")
    print(HEADER)
    rows = run(args)
    print(f"load average after: {os.getloadavg()}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stream_load.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
