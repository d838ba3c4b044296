"""CPU seconds of every process of a command's tree: which process spends a job's CPU.

    .venv/bin/python bench/process_cpu.py [--interval 0.1] -- COMMAND...

Runs COMMAND, samples every process below it (psutil, every `--interval` seconds) and prints,
per process: when it was first and last seen (seconds since the start), its CPU seconds (user,
system) and its command line; then the cumulative CPU of each process that used more than half
a second, once a second (where in the run it spent it). A process's CPU after its last sample
is missed (at most one interval); the total of the reaped tree (`getrusage`) is printed beside
the sum for comparison. The sampler's own CPU is printed too (it competes for the cores).
psutil comes with the analytics extra (distributed needs it).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import dataclass, field

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
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
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


if __name__ == "__main__":
    sys.exit(main())
