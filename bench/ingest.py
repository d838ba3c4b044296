"""Benchmark: bulk ingest of device samples into SQLite and PostgreSQL vs the database's floor.

    .venv/bin/python bench/ingest.py [--days 40] [--reps 3] [--batch 5000] [--year]

The rows: every sample of a synthetic Apple Health export (`--days` days; 40 days is about
115,000 samples), read once before timing. Per backend, in the same run and interleaved:

- painpath: `services.wearables.rows` as the importer uses it: Sample -> row, then per batch of
  `--batch` rows one committed transaction through a SQLAlchemy Session (what makes a killed
  import resumable) that inserts only new ids (SQLite: executemany of INSERT … ON CONFLICT DO
  NOTHING; PostgreSQL: COPY to a temporary table, then INSERT … SELECT … ON CONFLICT DO NOTHING).
- floor: the database's own bulk load of the same rows into the same table, indexes and
  constraints included, in one transaction, with the values already in the driver's form:
  SQLite `executemany` of a plain INSERT (sqlite3), PostgreSQL `COPY … FROM STDIN` (psycopg).

Each repetition starts from an empty table. PostgreSQL is a throwaway cluster started here
(tests/support/postgres.py; fsync off, as in the tests). Goal: painpath within 2x the floor.

`--year` adds the acceptance run: the one-year synthetic export (bench/wearables.py's file,
about 1.1 million Records) imported end to end by `import_wearable_file` (parse, batches,
daily aggregates) into a fresh SQLite database, in a fresh process whose wall time and peak
resident memory are reported (goal: under 200 MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from harness import Row, print_table  # noqa: E402
from sqlalchemy import delete, text  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

from painpath.db.engine import make_engine, make_session_factory  # noqa: E402
from painpath.db.migrate import upgrade  # noqa: E402
from painpath.models.patient import Patient  # noqa: E402
from painpath.models.wearable import WearableSample  # noqa: E402
from painpath.monitoring.wearables import Sample, import_file  # noqa: E402
from painpath.monitoring.wearables.synthetic import write_apple_export  # noqa: E402
from painpath.services.transaction import unit_of_work  # noqa: E402
from painpath.services.wearables.rows import (  # noqa: E402
    COLUMNS,
    insert_new_samples,
    sample_row,
    sqlite_time,
)

GOAL = 2.0


def samples(days: int) -> list[Sample]:
    folder = BENCH / "results" / "data" / "wearables"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"ingest-{days}d.xml"
    if not path.exists():
        write_apple_export(path, days=days, seed=11, start=date(2026, 1, 1), tz="America/Chicago")
    return list(import_file(path, tz=ZoneInfo("America/Chicago")))


def prepare(url: str) -> int:
    """Migrate the database and add one patient; returns the patient id."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            patient = Patient(
                mrn="BENCH-1",
                given_name="Bench",
                family_name="Synthetic",
                birth_date=date(1970, 1, 1),
                gender="female",
                time_zone="America/Chicago",
            )
            session.add(patient)
            session.flush()
            return patient.id
    finally:
        engine.dispose()


def empty(url: str) -> None:
    """Delete every sample; on PostgreSQL also vacuum, so each repetition starts alike."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(delete(WearableSample))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE wearable_samples"))
    finally:
        engine.dispose()


def painpath_ingest(url: str, rows: Sequence[Sample], patient_id: int, batch: int) -> float:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        start = time.perf_counter()
        for i in range(0, len(rows), batch):
            chunk = [sample_row(s, patient_id, None) for s in rows[i : i + batch]]
            with unit_of_work(factory) as session:
                added = insert_new_samples(session, chunk)
            assert added == len(chunk), (added, len(chunk))
        return time.perf_counter() - start
    finally:
        engine.dispose()


def _tuples(rows: Sequence[Sample], patient_id: int, sqlite_form: bool) -> list[tuple[Any, ...]]:
    """The rows as the driver takes them (on SQLite, times as SQLAlchemy stores them)."""
    out = []
    for sample in rows:
        row = sample_row(sample, patient_id, None)
        if sqlite_form:
            row = (*row[:5], sqlite_time(row[5]), sqlite_time(row[6]), *row[7:])
        out.append(row)
    return out


def sqlite_floor(path: Path, values: list[tuple[Any, ...]]) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        marks = ", ".join("?" for _ in COLUMNS)
        sql = f"INSERT INTO wearable_samples ({', '.join(COLUMNS)}) VALUES ({marks})"
        start = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(sql, values)
        connection.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        connection.close()


def postgres_floor(url: str, values: list[tuple[Any, ...]]) -> float:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        start = time.perf_counter()
        with connection.cursor() as cursor:
            sql = f"COPY wearable_samples ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for value in values:
                    copy.write_row(value)
        connection.commit()
        return time.perf_counter() - start


def measure(
    name: str,
    url: str,
    rows: list[Sample],
    patient_id: int,
    floor: Callable[[list[tuple[Any, ...]]], float],
    sqlite_form: bool,
    reps: int,
    batch: int,
) -> Row:
    values = _tuples(rows, patient_id, sqlite_form)
    ours, theirs = [], []
    for _ in range(reps):
        empty(url)
        ours.append(painpath_ingest(url, rows, patient_id, batch))
        empty(url)
        theirs.append(floor(values))
    mine = len(rows) / statistics.median(ours)
    peer = len(rows) / statistics.median(theirs)
    ratio = peer / mine
    return Row(
        "ingest",
        f"{name}: {len(rows):,} samples, batches of {batch:,}",
        mine,
        "executemany" if sqlite_form else "COPY",
        peer,
        "rows/s",
        ratio,
        ratio_label="× floor",
        goal=f"≤{GOAL:g}× floor",
        met=ratio <= GOAL,
    )


def year_child(database: Path, export: Path) -> None:
    """In a fresh process: a patient and their account, then the whole import; prints JSON."""
    from painpath.auth.actor import Actor
    from painpath.models.enums import Role
    from painpath.services.identity.accounts import create_user
    from painpath.services.wearables.importer import import_wearable_file

    url = f"sqlite:///{database}"
    patient_id = prepare(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        user = create_user(
            session,
            username="bench.patient",
            display_name="Bench Patient",
            password="bench-only-password-1234",
            role=Role.patient,
            patient_id=patient_id,
        )
        actor = Actor.of(user)
    start = time.perf_counter()
    result = import_wearable_file(factory, actor=actor, patient_id=patient_id, path=export)
    seconds = time.perf_counter() - start
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak, **result.as_json()}))


def year_import() -> list[Row]:
    sys.path.insert(0, str(BENCH))
    from wearables import export

    path, records = export(365)
    with tempfile.TemporaryDirectory(prefix="painpath-year-") as where:
        done = subprocess.run(
            [sys.executable, __file__, "--year-child", str(Path(where) / "y.sqlite3"), str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    what = f"one-year export ({records:,} records) -> SQLite, whole import"
    note = f"{found['samples_added']:,} samples, {found['days_summarized']} days"
    return [
        Row("ingest", f"{what}: time ({note})", found["seconds"], "", None, "s", None),
        Row(
            "ingest",
            f"{what}: peak memory (process)",
            found["peak_mib"],
            "",
            None,
            "MiB",
            None,
            goal="<200 MB",
            met=found["peak_mib"] * 1.048576 < 200,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--year", action="store_true", help="also import the one-year export")
    parser.add_argument("--year-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.year_child:
        year_child(*args.year_child)
        return 0
    rows = samples(args.days)
    table = []
    with tempfile.TemporaryDirectory(prefix="painpath-ingest-") as where:
        path = Path(where) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        patient = prepare(url)
        table.append(
            measure(
                "SQLite",
                url,
                rows,
                patient,
                lambda v: sqlite_floor(path, v),
                True,
                args.reps,
                args.batch,
            )
        )
    cluster = PostgresCluster.start()
    try:
        url = cluster.url
        patient = prepare(url)
        table.append(
            measure(
                "PostgreSQL",
                url,
                rows,
                patient,
                lambda v: postgres_floor(url, v),
                False,
                args.reps,
                args.batch,
            )
        )
    finally:
        cluster.stop()
    if args.year:
        table += year_import()
    print_table(table, "bulk ingest of device samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
