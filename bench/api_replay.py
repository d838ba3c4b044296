"""Same answers, same rows: replay one recorded sequence of patient API requests against two
source trees and compare every response (status, headers, body bytes) and every table's rows.

    .venv/bin/python bench/api_replay.py --base /tmp/base9/src            # SQLite
    .venv/bin/python bench/api_replay.py --base /tmp/base9/src --postgresql

A database is migrated and seeded once (this tree's code; the demo cohort, an account and a
bearer token of known text for each patient, tokens for the clinicians), copied, and each tree
serves the same requests in process (TestClient) on its own copy, with the clock frozen per
request (`painpath.kit.clock`): sync batches (new items that raise alerts, duplicate items,
replays, a replay with other content, a dose against another patient's prescription, a bad
field), record reads, panel loads and the changes feed. Exit status 1 when anything differs;
the first differences are printed. Nothing here is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAINPATH = ROOT / ".venv" / "bin" / "painpath"
PYTHON = ROOT / ".venv" / "bin" / "python"
REQUESTS = 400


def _env(url: str, src: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(src),
        "PAINPATH_DATABASE_URL": url,
        "PAINPATH_SECRET_KEY": "replay-secret-key-that-is-long-enough-0123456789",
        "PAINPATH_ENVIRONMENT": "test",
    }


def seed(url: str) -> None:
    """Migrate, seed, and give every patient an account and a token `patient-<id>`, every
    clinician a token `clinician-<id>` (this tree's code)."""
    env = _env(url, ROOT / "src")
    for command in (["db", "upgrade"], ["demo", "seed", "--patients", "16"]):
        subprocess.run([str(PAINPATH), *command], env=env, check=True, capture_output=True)
    sys.path[:0] = [str(ROOT / "src")]
    from sqlalchemy import select

    from painpath.db.engine import make_engine, make_session_factory
    from painpath.models import ApiToken, Patient, User
    from painpath.models.enums import Role
    from painpath.services.identity.accounts import _token_digest
    from painpath.services.transaction import unit_of_work

    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        with_account = set(
            session.scalars(select(User.patient_id).where(User.patient_id.is_not(None)))
        )
        for patient in session.scalars(select(Patient).order_by(Patient.id)):
            if patient.id in with_account:
                continue
            session.add(
                User(
                    username=f"replay.patient.{patient.id}",
                    display_name=patient.given_name,
                    password_hash="x",
                    role=Role.patient,
                    patient_id=patient.id,
                    is_active=True,
                )
            )
        session.flush()
        expires = datetime(2199, 1, 1, tzinfo=UTC)
        for user in session.scalars(select(User).order_by(User.id)):
            name = f"patient-{user.patient_id}" if user.role == Role.patient else None
            if user.role == Role.clinician:
                name = f"clinician-{user.id}"
            if name:
                session.add(
                    ApiToken(user_id=user.id, token_sha256=_token_digest(name), expires_at=expires)
                )
    engine.dispose()


def replay(url: str, start: datetime) -> dict[str, Any]:
    """Run in the tree under test (PYTHONPATH): the sequence's answers and the tables' rows."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    import painpath.kit.clock as clock
    from painpath.config import Environment, Settings
    from painpath.db.base import Base
    from painpath.db.engine import make_engine
    from painpath.models import MedicationRequest, Patient, User
    from painpath.models.enums import Role
    from painpath.web.app import create_app

    now = [start]

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return now[0] if tz is None else now[0].astimezone(tz)

    clock.datetime = Frozen  # type: ignore[misc]
    engine = make_engine(url)
    settings = Settings(
        environment=Environment.test,
        database_url=url,
        secret_key="replay-secret-key-that-is-long-enough-0123456789",
    )
    with engine.connect() as connection:
        patients = [
            (pid, rid)
            for pid, rid in connection.execute(
                select(Patient.id, MedicationRequest.id)
                .join(MedicationRequest, MedicationRequest.patient_id == Patient.id)
                .order_by(Patient.id, MedicationRequest.as_needed.desc(), MedicationRequest.id)
            )
        ]
        clinicians = list(
            connection.scalars(select(User.id).where(User.role == Role.clinician).order_by(User.id))
        )
    first: dict[int, int] = {}
    for pid, rid in patients:
        first.setdefault(pid, rid)
    cast = sorted(first.items())
    chooser = random.Random(15)
    answers = []
    sent: dict[str, dict[str, Any]] = {}
    with TestClient(create_app(settings, engine=engine)) as client:
        for index in range(REQUESTS):
            now[0] = start + timedelta(seconds=index)
            patient_id, request_id = chooser.choice(cast)
            other_request = chooser.choice(cast)[1]
            patient = {"Authorization": f"Bearer patient-{patient_id}"}
            clinician = {"Authorization": f"Bearer clinician-{chooser.choice(clinicians)}"}
            home = f"/api/patients/{patient_id}"
            roll = chooser.random()
            method, path, headers, body = "GET", "", patient, None
            if roll < 0.45:
                method, path = "POST", f"{home}/sync"
                body = _batch(chooser, index, now[0], request_id, other_request)
                if sent and chooser.random() < 0.15:  # a replay, sometimes with other content
                    body = chooser.choice(list(sent.values()))
                    path = f"/api/patients/{body['_patient']}/sync"
                    headers = {"Authorization": f"Bearer patient-{body['_patient']}"}
                    if chooser.random() < 0.3:
                        body = {**body, "items": body["items"][:1]}
                body = {**body, "_patient": patient_id} if "_patient" not in body else body
                sent[body["batch_id"]] = body
            elif roll < 0.7:
                path = f"{home}/" + chooser.choice(
                    (
                        "pain-diary?limit=20",
                        "observations?limit=20",
                        "medication-requests?limit=20",
                        "sync/changes?limit=50",
                    )
                )
            elif roll < 0.95:
                headers = clinician
                path = chooser.choice(
                    (
                        "/api/patients?limit=50",
                        "/api/monitoring/alerts?limit=50",
                        f"{home}/alerts?limit=50",
                    )
                )
            else:  # someone else's record
                path = f"/api/patients/{chooser.choice(cast)[0]}/pain-diary?limit=5"
            payload = None
            if body is not None:
                payload = {k: v for k, v in body.items() if k != "_patient"}
            response = client.request(
                method,
                path,
                headers={**headers, "X-Request-Id": f"replay-{index}"},
                json=payload,
            )
            answers.append(
                {
                    "request": f"{method} {path}",
                    "status": response.status_code,
                    "headers": sorted(
                        (k, v) for k, v in response.headers.items() if k.lower() != "date"
                    ),
                    "body": response.content.decode(),
                }
            )
    rows = {}
    with engine.connect() as connection:
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [
                [repr(value) for value in row]
                for row in connection.execute(table.select().order_by(*order))
            ]
    engine.dispose()
    return {"answers": answers, "rows": rows}


def _batch(
    chooser: random.Random, index: int, now: datetime, request_id: int, other: int
) -> dict[str, Any]:
    day = (now - timedelta(days=chooser.randint(0, 12))).date().isoformat()
    items: list[dict[str, Any]] = [
        {
            "kind": "pain_diary_entry",
            "client_id": f"d-{index}",
            "local_date": day,
            "pain": chooser.randint(2, 10),
            "body_regions": ["lower-back"],
        },
        *(
            {
                "kind": "dose_log",
                "client_id": f"m-{index}-{n}",
                "medication_request_id": request_id,
                "effective_at": (now - timedelta(hours=1 + n * 3)).isoformat(),
                "taken": True,
            }
            for n in range(chooser.randint(0, 4))
        ),
    ]
    if chooser.random() < 0.3:
        items.append(
            {
                "kind": "observation",
                "client_id": f"o-{index}",
                "category": "vital-signs",
                "display": "reading",
                **chooser.choice(
                    (
                        {"loinc_code": "72514-3", "value": chooser.randint(1, 9)},
                        {"loinc_code": "41950-7", "value": chooser.randint(0, 9000)},
                    )
                ),
                "effective_at": (now - timedelta(hours=5)).isoformat(),
            }
        )
    if chooser.random() < 0.2:  # an item sent before, under its old client id
        items.append({**items[0], "client_id": f"d-{max(index - 3, 0)}"})
    if chooser.random() < 0.05:  # another patient's prescription
        items.append(
            {**items[-1], "kind": "dose_log", "client_id": f"x-{index}"}
            | {
                "medication_request_id": other,
                "effective_at": now.isoformat(),
                "taken": True,
            }
        )
    if chooser.random() < 0.03:
        items[0] = {**items[0], "pain": 11}
    return {"batch_id": f"b-{index}", "items": items}


def _run(src: Path, url: str, start: datetime, out: Path) -> None:
    subprocess.run(
        [str(PYTHON), __file__, "--replay", url, "--start", start.isoformat(), "--out", str(out)],
        env=_env(url, src),
        check=True,
    )


def _compare(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    found = []
    for number, (x, y) in enumerate(zip(a["answers"], b["answers"], strict=True)):
        if x != y:
            found.append(f"answer {number} ({x['request']}): {x} != {y}")
    for table in a["rows"]:
        if a["rows"][table] != b["rows"].get(table):
            found.append(f"table {table}: {len(a['rows'][table])} rows vs {len(b['rows'][table])}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="the other tree's src directory")
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--replay", help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        result = replay(args.replay, datetime.fromisoformat(args.start))
        args.out.write_text(json.dumps(result))
        return
    start = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        outputs = []
        if args.postgresql:
            sys.path[:0] = [str(ROOT)]
            from sqlalchemy import create_engine, text
            from tests.support.postgres import PostgresCluster

            cluster = PostgresCluster.start()
            try:
                url = cluster.url.rsplit("/", 1)[0]
                admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text("CREATE DATABASE replay_seed"))
                seed(f"{url}/replay_seed")
                for number, src in enumerate((args.base, ROOT / "src")):
                    with admin.connect() as connection:
                        connection.execute(
                            text(f"CREATE DATABASE replay_{number} TEMPLATE replay_seed")
                        )
                    out = Path(folder) / f"{number}.json"
                    _run(src, f"{url}/replay_{number}", start, out)
                    outputs.append(json.loads(out.read_text()))
                admin.dispose()
            finally:
                cluster.stop()
        else:
            seeded = Path(folder) / "seed.sqlite3"
            seed(f"sqlite:///{seeded}")
            for number, src in enumerate((args.base, ROOT / "src")):
                copy = Path(folder) / f"{number}.sqlite3"
                shutil.copyfile(seeded, copy)
                out = Path(folder) / f"{number}.json"
                _run(src, f"sqlite:///{copy}", start, out)
                outputs.append(json.loads(out.read_text()))
    base, branch = outputs
    statuses: dict[int, int] = {}
    for answer in base["answers"]:
        statuses[answer["status"]] = statuses.get(answer["status"], 0) + 1
    differences = _compare(base, branch)
    print(
        f"{len(base['answers'])} requests (statuses {dict(sorted(statuses.items()))}),"
        f" {sum(len(rows) for rows in base['rows'].values())} rows in"
        f" {len(base['rows'])} tables; alerts: {len(base['rows'].get('alerts', []))},"
        f" audit events: {len(base['rows'].get('audit_events', []))}; differences:"
        f" {len(differences)}"
    )
    for line in differences[:10]:
        print(line[:2000])
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
