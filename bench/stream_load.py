"""`/health` and the patient API mix with 0 and with N open idle alert streams, in one run, on
SQLite and PostgreSQL (issue 15: 500 open streams must not change either p99 by more than 10 %).

    .venv/bin/python bench/stream_load.py                          # 500 streams, both databases
    .venv/bin/python bench/stream_load.py --streams 100 --seconds 10 --databases sqlite

Per database: the same setup as bench/api_load.py (demo cohort, one token per patient and per
clinician, bodies built before the run), `painpath serve --workers P`. Then, twice — first with
no stream open, then with `--streams` open `GET /api/monitoring/alerts/stream` connections held
by the demo clinicians (opened, their first line read, left idle) — the API mix at `--rate` and
`/health` at `--health-rate`, both open loop on one asyncio loop, for `--seconds` after
`--warmup`. Reported: p50/p99 of each, errors, the server's CPU, and the change from 0 streams.
The streams' database cost (statements per second) is bench/alert_stream.py's measure:
`.venv/bin/python bench/alert_stream.py --streams 0 100 500`. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT), str(ROOT / "src")]

from api_load import Call, Cast, environment, load, plan, seed  # noqa: E402

from cds import _cpu_seconds, _database, _free_port, _percentile, _server  # noqa: E402

RESULTS = ROOT / "bench" / "results"


async def _hold_streams(
    base: str, tokens: list[str], count: int, opened: asyncio.Event, stop: asyncio.Event
) -> int:
    """Open `count` streams, set `opened` once each has sent its first line, hold them until
    `stop`; the number that opened."""
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=0)
    ready = 0
    failures: list[str] = []
    timeout = httpx.Timeout(120, read=None)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:

        async def one(token: str) -> None:
            try:
                await held(token)
            except Exception as error:  # reported: a stream that could not open or broke
                failures.append(repr(error)[:200])

        async def held(token: str) -> None:
            nonlocal ready
            headers = {"Authorization": f"Bearer {token}"}
            async with client.stream(
                "GET", "/api/monitoring/alerts/stream", headers=headers
            ) as response:
                lines = response.aiter_lines()
                await lines.__anext__()
                ready += 1
                if ready == count:
                    opened.set()
                waiting = asyncio.ensure_future(stop.wait())
                async for _ in lines:  # keep-alives; no alert is raised during the run
                    if waiting.done():
                        break
                waiting.cancel()

        tasks = [asyncio.create_task(one(tokens[n % len(tokens)])) for n in range(count)]
        if count == 0:
            opened.set()
        await stop.wait()
        if failures:
            print(f"<!-- {len(failures)} streams failed; first: {failures[0]} -->", flush=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return ready


async def _phase(
    base: str, pid: int, cast: Cast, streams: int, args: argparse.Namespace, seed_value: int
) -> tuple[list[tuple[str, float, str]], list[tuple[str, float, str]], int, float]:
    """API and /health results, the streams that opened, the server's CPU % while measuring."""
    api_calls = plan(cast, int(args.rate * (args.warmup + args.seconds)), seed_value)
    health_calls = [
        Call("health", "GET", "/health", cast.clinicians[0])
        for _ in range(int(args.health_rate * (args.warmup + args.seconds)))
    ]
    opened, stop = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_hold_streams(base, cast.clinicians, streams, opened, stop))
    try:
        await asyncio.wait_for(opened.wait(), timeout=args.open_timeout)
    except TimeoutError:
        print(f"<!-- not every stream opened within {args.open_timeout:g} s -->", flush=True)
    await asyncio.sleep(args.settle)
    cpu_before, wall_before = _cpu_seconds(pid), time.monotonic()
    profile = RESULTS / f"stream-load-{streams}.txt" if args.py_spy else None
    spies = _spies(pid, profile, args.warmup + args.seconds)
    (api, _), (health, _) = await asyncio.gather(
        load(base, api_calls, args.rate, args.warmup),
        load(base, health_calls, args.health_rate, args.warmup),
    )
    cpu = 100 * (_cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
    for spy in spies:
        await asyncio.to_thread(spy.wait)
    stop.set()
    return api, health, await holder, round(cpu, 1)


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
) -> tuple[int, float, dict[str, int]]:
    """Open `streams`, then, with no other load, the server's CPU % over `--seconds` (and a
    py-spy profile of its workers when `profile` is given); the streams that opened and the
    statements the server ran meanwhile."""
    opened, stop = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_hold_streams(base, cast.clinicians, streams, opened, stop))
    try:
        await asyncio.wait_for(opened.wait(), timeout=args.open_timeout)
    except TimeoutError:
        print(f"<!-- not every stream opened within {args.open_timeout:g} s -->", flush=True)
    await asyncio.sleep(args.settle)
    spies = _spies(pid, profile, args.seconds)
    cpu_before, wall_before = _cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(args.seconds)
    cpu = 100 * (_cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
    for spy in spies:
        await asyncio.to_thread(spy.wait)
    stop.set()
    return await holder, round(cpu, 1), {}


def idle_run(args: argparse.Namespace) -> None:
    """Server CPU with 0 and with `--streams` idle streams, no other load (`--idle`)."""
    for database in args.databases:
        with tempfile.TemporaryDirectory() as folder, _database(database, Path(folder)) as url:
            port = _free_port()
            env = environment(url, folder, port)
            cast = seed(url, env, args.patients)
            base = f"http://127.0.0.1:{port}"
            with _server("painpath", args.processes, env, port) as pid:
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
        with tempfile.TemporaryDirectory() as folder, _database(database, Path(folder)) as url:
            port = _free_port()
            env = environment(url, folder, port)
            cast = seed(url, env, args.patients)
            base = f"http://127.0.0.1:{port}"
            with _server("painpath", args.processes, env, port) as pid:
                for number, streams in enumerate((0, args.streams)):
                    load_before = os.getloadavg()[0]
                    api, health, opened, cpu = asyncio.run(
                        _phase(base, pid, cast, streams, args, number)
                    )
                    row = {
                        "database": database,
                        "processes": args.processes,
                        "streams": opened,
                        "api": _summary(api),
                        "health": _summary(health),
                        "server_cpu_percent": cpu,
                        "load": f"{load_before:.2f} → {os.getloadavg()[0]:.2f}",
                    }
                    print(_row(row, rows[-1] if streams else None), flush=True)
                    rows.append(row)
    return rows


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
        f" {row['load']} |"
    )


HEADER = (
    "| database | processes | open streams | /health p50 ms | /health p99 ms | change"
    " | API p50 ms | API p99 ms | change | errors | server CPU % | load before → after |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
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
