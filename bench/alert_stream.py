"""Database queries per second with N alert streams open, before and after a change: idle
(issue 13: the per-process alert watcher), or with alerts raised while counting (issue 15: the
hub's one round per alert, audited once per user): SQLite and PostgreSQL.

    .venv/bin/python bench/alert_stream.py                       # both versions, both databases
    .venv/bin/python bench/alert_stream.py --streams 0 10 50 --seconds 20
    .venv/bin/python bench/alert_stream.py --before-commit 120a324
    .venv/bin/python bench/alert_stream.py --before-commit 1dc34e7 --alerts-per-second 2

"Before" is the tree at `--before-commit` (streams poll the database once a second each),
exported with `git archive` to a temporary folder; "after" is this working tree. Each
measurement runs in a fresh Python process with that version's `src` first on `sys.path`: it
migrates a fresh database, adds a clinician with one patient, serves the app with uvicorn on a
loopback port, opens N streams as the clinician, lets them settle, then counts every SQL
statement the app's engines execute for `--seconds` (SQLAlchemy `before_cursor_execute` on
every engine: the request pool's and the alert hub's own). The PostgreSQL listener's own
connection runs one LISTEN when it starts and no query after (a notification is not a query),
so it is not counted. Without `--alerts-per-second` no alert is raised while counting: this is
the idle cost. With it, a thread raises that many alerts a second for the clinician's patient
(each in its own transaction, as a sync POST would) and the audit rows written for the alerts'
deliveries are counted too. Nothing here is a test; no number is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-alert-stream-secret-key-that-is-long-enough-0123456789"
PASSWORD = "Quartz-Meadow-8841-river"


def measure(url: str, streams: int, seconds: float, alert_rate: float) -> dict[str, Any]:
    """One measurement, in this process (run with the version's src on sys.path)."""
    import httpx
    import uvicorn
    from sqlalchemy import Engine, event, func, select

    from painpath.config import Environment, Settings
    from painpath.db.migrate import upgrade
    from painpath.models import CareTeam, CareTeamParticipant, Patient
    from painpath.models.enums import AdministrativeGender, Role
    from painpath.services.identity import accounts
    from painpath.services.transaction import unit_of_work
    from painpath.web.app import create_app

    upgrade(url)
    settings = Settings(
        environment=Environment.test, database_url=url, secret_key=SECRET, login_max_failures=50
    )
    app = create_app(settings)
    with unit_of_work(app.state.session_factory) as session:
        patient = Patient(
            mrn="BENCH-1",
            given_name="Bench",
            family_name="Synthetic",
            birth_date=__import__("datetime").date(1970, 1, 1),
            gender=AdministrativeGender.female,
            time_zone="America/Chicago",
        )
        session.add(patient)
        session.flush()
        user = accounts.create_user(
            session,
            username="clinician",
            display_name="Dr Bench",
            password=PASSWORD,
            role=Role.clinician,
        )
        team = CareTeam(patient_id=patient.id, name="bench")
        team.participants.append(CareTeamParticipant(user_id=user.id))
        session.add(team)
    counted = [0]

    def count(*_: object) -> None:
        counted[0] += 1

    event.listen(Engine, "before_cursor_execute", count)
    import socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", ws="none", http="h11", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    host, port = listener.getsockname()
    base = f"http://{host}:{port}"
    token = httpx.post(
        f"{base}/api/auth/token",
        json={"username": "clinician", "password": PASSWORD},
        trust_env=False,
    ).json()["access_token"]
    ready = threading.Semaphore(0)
    stop = threading.Event()

    def hold_stream() -> None:
        with (
            httpx.Client(timeout=None, trust_env=False) as client,
            client.stream(
                "GET",
                f"{base}/api/monitoring/alerts/stream",
                headers={"Authorization": f"Bearer {token}"},
            ) as response,
        ):
            lines = response.iter_lines()
            next(lines)  # retry:
            ready.release()
            for _ in lines:
                if stop.is_set():
                    return

    holders = [threading.Thread(target=hold_stream, daemon=True) for _ in range(streams)]
    for holder in holders:
        holder.start()
    for _ in holders:
        ready.acquire()
    time.sleep(3)  # let every stream's first read pass
    delivery_rows = _delivery_rows(app.state.session_factory, select, func)
    start_count, start = counted[0], time.monotonic()
    raised = _raise_alerts(app.state.session_factory, patient.id, alert_rate, seconds)
    time.sleep(max(start + seconds - time.monotonic(), 0))
    statements, elapsed = counted[0] - start_count, time.monotonic() - start
    raised_count = raised()  # the raising thread has stopped: its own statements are counted
    time.sleep(3)  # the last alert's deliveries
    audited = _delivery_rows(app.state.session_factory, select, func) - delivery_rows
    stop.set()
    server.should_exit = True
    return {
        "streams": streams,
        "seconds": round(elapsed, 2),
        "statements": statements,
        "per_second": round(statements / elapsed, 2),
        "alerts_raised": raised_count,
        "delivery_audit_rows": audited,
    }


def _delivery_rows(factory: Any, select: Any, func: Any) -> int:
    from painpath.models import AuditEvent

    with factory() as session:
        query = select(func.count()).where(
            AuditEvent.resource_type == "Alert", AuditEvent.action == "read"
        )
        return int(session.scalar(query))


def _raise_alerts(factory: Any, patient_id: int, rate: float, seconds: float) -> Any:
    """Raise `rate` alerts a second for `seconds` on a thread; a function that waits for it
    and says how many it raised."""
    if rate <= 0:
        return lambda: 0
    import datetime

    from painpath.models import Patient
    from painpath.monitoring.alerts import AlertCandidate, Severity
    from painpath.services.monitoring.alerts import raise_alerts
    from painpath.services.transaction import unit_of_work

    raised = [0]

    def run() -> None:
        start = time.monotonic()
        for n in range(int(rate * seconds)):
            time.sleep(max(start + n / rate - time.monotonic(), 0))
            alert = AlertCandidate(
                rule_id="pain_worsening",
                severity=Severity.moderate,
                dedup_key=f"{patient_id}:pain_worsening:bench-{n}",
                title="Pain worsening",
                message="7-day mean pain up 2.4 points from baseline",
                evidence={"baseline": 4.1, "mean": 6.5},
                window_start=datetime.date(2026, 11, 24),
                window_end=datetime.date(2026, 11, 30),
            )
            with unit_of_work(factory) as session:
                patient = session.get(Patient, patient_id)
                assert patient is not None
                raised[0] += len(raise_alerts(session, patient, [alert]))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def wait() -> int:
        thread.join()
        return raised[0]

    return wait


def _export(commit: str, folder: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def _run_one(
    source: Path, url: str, streams: int, seconds: float, alert_rate: float
) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    command = [sys.executable, __file__, "measure", url, str(streams), str(seconds)]
    command.append(str(alert_rate))
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "measure":
        url, streams, seconds, rate = sys.argv[2:]
        print(json.dumps(measure(url, int(streams), float(seconds), float(rate))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[0, 10, 50])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--before-commit", default="120a324")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--alerts-per-second", type=float, default=0.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support.postgres import PostgresCluster

    cluster = PostgresCluster.start() if "postgresql" in args.backends else None
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="painpath-bench-") as scratch:
            versions = {
                "before": _export(args.before_commit, Path(scratch)),
                "after": ROOT / "src",
            }
            n = 0
            for backend in args.backends:
                for streams in args.streams:
                    for version, source in versions.items():
                        n += 1
                        if backend == "sqlite":
                            url = f"sqlite:///{scratch}/bench-{n}.sqlite3"
                        else:
                            assert cluster is not None
                            url = _fresh_database(cluster.url, f"bench_{n}")
                        result = _run_one(
                            source, url, streams, args.seconds, args.alerts_per_second
                        )
                        rows.append({"backend": backend, "version": version, **result})
                        print(json.dumps(rows[-1]), flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
    print(
        "\n| database | open streams | alerts raised | before (queries/s) | after (queries/s)"
        " | before: delivery audit rows | after: delivery audit rows |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backend in args.backends:
        for streams in args.streams:
            found = {
                r["version"]: r for r in rows if r["backend"] == backend and r["streams"] == streams
            }
            before, after = found["before"], found["after"]
            print(
                f"| {backend} | {streams} | {after['alerts_raised']} | {before['per_second']}"
                f" | {after['per_second']} | {before['delivery_audit_rows']}"
                f" | {after['delivery_audit_rows']} |"
            )
    print(f"\nload average at the end: {os.getloadavg()}")


def _fresh_database(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


if __name__ == "__main__":
    main()
