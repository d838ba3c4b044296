"""`painpath serve` as separate operating-system processes on one database: what several server
processes behind a load balancer look like (each has its own alert watcher)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

PAINPATH = str(Path(sys.executable).with_name("painpath"))
#: A guard for a loaded machine, not a speed requirement.
STARTUP_SECONDS = 180
SECRET_KEY = "two-process-test-secret-key-that-is-long-enough-0123456789"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serving(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=2, trust_env=False).status_code == 200
    except httpx.TransportError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


@contextmanager
def server_processes(
    database_url: str, folder: Path, count: int, **environment: str
) -> Iterator[list[str]]:
    """`count` `painpath serve` processes on `database_url`, started together; yields their URLs."""
    env = {
        **os.environ,
        "PAINPATH_DATABASE_URL": database_url,
        "PAINPATH_ENVIRONMENT": "test",
        "PAINPATH_SECRET_KEY": SECRET_KEY,
        "PAINPATH_LOGIN_MAX_FAILURES": "50",
        **environment,
    }
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for n in range(count):
            port = free_port()
            log = folder / f"server-{n}.log"
            with log.open("w") as output:
                process = subprocess.Popen(
                    [PAINPATH, "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append((process, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + STARTUP_SECONDS
        for process, base_url, log in started:
            while not _serving(base_url):
                if process.poll() is not None:
                    raise RuntimeError(f"painpath serve exited: {log.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"painpath serve did not start: {log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield [base_url for _, base_url, _ in started]
    finally:
        for process, _, _ in started:
            _stop(process)
