"""A throwaway PostgreSQL cluster for the test session: Debian's server, on a loopback port.

initdb refuses to run as root, so under root the cluster belongs to the `postgres` system user
(created by Debian's postgresql package) and its commands run through runuser.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (apt-get install postgresql); "
        "or set PAINPATH_TEST_POSTGRES_URL to a server you provide"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://painpath@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise PostgresUnavailable(
                f"{' '.join(command)} failed ({completed.returncode}): "
                f"{completed.stderr.strip() or completed.stdout.strip()}"
            )

    @classmethod
    def start(
        cls, *, durable: bool = False, settings: dict[str, str] | None = None
    ) -> PostgresCluster:
        """Start a cluster; tests skip the disk flushes, `durable` (benchmarks) keeps
        PostgreSQL's production defaults (fsync, synchronous_commit, full_page_writes on).
        `settings` are extra server settings (e.g. a benchmark's lock-wait logging)."""
        bindir = find_bindir()
        root = Path(tempfile.mkdtemp(prefix="painpath-pg-"))
        run_as = None
        if os.geteuid() == 0:
            run_as = "postgres"
            shutil.chown(root, user=run_as, group=run_as)
        cluster = cls(bindir=bindir, root=root, port=_free_port(), run_as=run_as)
        cluster._run(
            "initdb",
            "-D",
            str(cluster.data_dir),
            "-U",
            "painpath",
            "-A",
            "trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        options = f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1"
        options += " -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
        cluster._run(
            "pg_ctl",
            "-D",
            str(cluster.data_dir),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "start",
        )
        return cluster

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
