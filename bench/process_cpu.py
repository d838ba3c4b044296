"""CPU seconds of every process of a command's tree: which process spends a job's CPU.

    .venv/bin/python bench/process_cpu.py [--interval 0.1] -- COMMAND...

Runs COMMAND, samples every process below it (psutil, every `--interval` seconds) and prints,
per process: when it was first and last seen (seconds since the start), its CPU seconds (user,
system) and its command line; then the cumulative CPU of each process that used more than half
a second, once a second (where in the run it spent it). A process's CPU after its last sample
is missed (at most one interval); the total of the reaped tree (`getrusage`) is printed beside
the sum for comparison. The sampler's own CPU is printed too (it competes for the cores).
psutil comes with the analytics extra (distributed needs it).

    .venv/bin/python bench/process_cpu.py --account OUT --server PID --postmaster PID

Whole-machine accounting for a benchmark (bench/api_load.py starts it): every `--interval`
seconds it reads /proc for the server's tree and PostgreSQL's (every process, by its kind), and
/proc/stat, and appends to OUT one JSON line of cumulative CPU seconds per group (see `Ledger`).
An exited process keeps the CPU of its last sample; for PostgreSQL the exact total (the
postmaster's own and its reaped children's CPU plus its live children's) is written beside the
sampled groups, and their difference is what exited processes spent after their last sample.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs; comes with distributed


@dataclass
class Seen:
    parent: int
    command: str
    first: float
    last: float = 0.0
    user: float = 0.0
    system: float = 0.0
    series: list[tuple[float, float]] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return self.user + self.system


def sample(process: psutil.Process, seen: dict[int, Seen], now: float) -> None:
    try:
        with process.oneshot():
            times = process.cpu_times()
            found = seen.get(process.pid)
            if found is None:
                command = " ".join(process.cmdline())
                found = seen[process.pid] = Seen(process.ppid(), command, now)
            found.user, found.system, found.last = times.user, times.system, now
            found.series.append((now, found.cpu))
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--account", type=Path, metavar="OUT", help="whole-machine accounting")
    parser.add_argument("--server", type=int, help="with --account: the server's pid")
    parser.add_argument("--postmaster", type=int, help="with --account: PostgreSQL's pid")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.account is not None:
        if args.server is None:
            parser.error("--account needs --server")
        account(args.account, args.server, args.postmaster, args.interval)
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    start = time.perf_counter()
    root = psutil.Popen(command)
    seen: dict[int, Seen] = {}
    while root.poll() is None:
        now = time.perf_counter() - start
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for process in tree:
            sample(process, seen, now)
        time.sleep(args.interval)
    wall = time.perf_counter() - start
    for pid, found in sorted(seen.items(), key=lambda item: item[1].first):
        print(
            f"pid {pid:>7} (parent {found.parent:>7}) {found.first:6.2f} → {found.last:6.2f} s"
            f"  CPU {found.cpu:6.2f} s (user {found.user:.2f}, system {found.system:.2f})"
            f"  {found.command[-100:]}"
        )
    for pid, found in seen.items():
        if found.cpu > 0.5:
            marks, due = [], 0.0
            for at, cpu in found.series:
                if at >= due:
                    marks.append(f"{at:.1f}:{cpu:.2f}")
                    due = at + 1.0
            print(f"pid {pid} cumulative CPU (s since start: CPU s): {' '.join(marks)}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    itself = resource.getrusage(resource.RUSAGE_SELF)
    reaped = children.ru_utime + children.ru_stime
    sampler = itself.ru_utime + itself.ru_stime
    print(
        f"wall {wall:.2f} s; CPU sampled {sum(f.cpu for f in seen.values()):.2f} s;"
        f" reaped tree {reaped:.2f} s; sampler {sampler:.2f} s"
    )
    return root.returncode or 0


def _ticks() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK"))
    except (ValueError, OSError):
        return 100


#: PostgreSQL's process titles ("postgres: checkpointer", …) by group; anything else that is a
#: child of the postmaster is a backend (a client connection) unless named here.
POSTGRES_KINDS = {
    "autovacuum worker": "pg autovacuum worker",
    "autovacuum launcher": "pg other",
    "checkpointer": "pg checkpointer",
    "walwriter": "pg walwriter",
    "background writer": "pg bgwriter",
    "logical replication launcher": "pg other",
    "startup": "pg other",
    "archiver": "pg other",
    "stats collector": "pg other",
}


def _stat(pid: int) -> tuple[float, float, list[int]] | None:
    """(own CPU s, reaped children's CPU s, child pids) of a live process; None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    own = (int(fields[11]) + int(fields[12])) / TICKS
    reaped = (int(fields[13]) + int(fields[14])) / TICKS
    return own, reaped, [int(child) for child in children]


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def postgres_kind(title: str) -> str:
    """The group of a postmaster's child by its process title."""
    name = title.removeprefix("postgres:").strip()
    for prefix, group in POSTGRES_KINDS.items():
        if name.startswith(prefix):
            return group
    return "pg backend"


@dataclass
class Ledger:
    """Cumulative CPU seconds per group; a pid keeps its last sampled value after it exits."""

    server: int
    postmaster: int | None
    last: dict[int, tuple[str, float]] = field(default_factory=dict)
    postgres_exact: float = 0.0
    #: Backends (client connections) seen so far: connection churn shows as its growth.
    backends_seen: int = 0

    def sample(self) -> None:
        found = _stat(self.server)
        if found is not None:
            self.last[self.server] = ("server supervisor", found[0])
            for worker in found[2]:
                self._tree(worker, "server workers")
        if self.postmaster is None:
            return
        found = _stat(self.postmaster)
        if found is None:
            return
        own, reaped, children = found
        self.last[self.postmaster] = ("pg postmaster", own)
        live = 0.0
        for child in children:
            stat = _stat(child)
            if stat is None:
                continue
            if child not in self.last:
                kind = postgres_kind(_title(child))
                self.backends_seen += kind == "pg backend"
            else:
                kind = self.last[child][0]
            self.last[child] = (kind, stat[0])
            live += stat[0]
        self.postgres_exact = own + reaped + live

    def _tree(self, pid: int, group: str) -> None:
        found = _stat(pid)
        if found is None:
            return
        self.last[pid] = (group, found[0])
        for child in found[2]:
            self._tree(child, group)

    def totals(self) -> dict[str, float]:
        groups: dict[str, float] = {}
        for group, cpu in self.last.values():
            groups[group] = groups.get(group, 0.0) + cpu
        sampled = sum(cpu for group, cpu in groups.items() if group.startswith("pg "))
        if self.postmaster is not None:
            groups["pg total (exact)"] = self.postgres_exact
            groups["pg exited, unsampled"] = max(0.0, self.postgres_exact - sampled)
        groups["pg backends seen"] = float(self.backends_seen)
        return {group: round(cpu, 3) for group, cpu in groups.items()}


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat; iowait counts idle)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / TICKS, total / TICKS


def account(out: Path, server: int, postmaster: int | None, interval: float) -> None:
    """Sample until the server is gone (or SIGTERM), a JSON line of totals per sample."""
    import json
    import signal

    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    ledger = Ledger(server, postmaster)
    with out.open("a") as sink:
        while not stop and Path(f"/proc/{server}").exists():
            ledger.sample()
            busy, total = machine_cpu()
            own = resource.getrusage(resource.RUSAGE_SELF)
            line = {
                "at": time.time(),
                **ledger.totals(),
                "machine busy": round(busy, 3),
                "machine total": round(total, 3),
                "accountant": round(own.ru_utime + own.ru_stime, 3),
            }
            sink.write(json.dumps(line) + "\n")
            sink.flush()
            time.sleep(interval)


TICKS = _ticks()


if __name__ == "__main__":
    sys.exit(main())
