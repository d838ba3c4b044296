"""Device samples as table rows, and the bulk insert that skips ids a patient already has.

A year of one patient's wearable data is over a million rows, so this path talks to the
driver, inside the caller's transaction, in each database's bulk form:

- SQLite: one `executemany` of `INSERT … ON CONFLICT (patient_id, client_id) DO NOTHING`,
  times written in SQLAlchemy's SQLite storage format (so ORM reads and comparisons agree);
- PostgreSQL: `COPY` into a temporary table, then one `INSERT … SELECT … ON CONFLICT DO
  NOTHING`, whose row count is exactly the rows that were new.

Both skip known ids with a conflict check per row (a re-imported or resumed file adds nothing)
and report how many rows were inserted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from painpath.monitoring.wearables import Sample

COLUMNS = (
    "patient_id",
    "import_id",
    "metric",
    "value",
    "unit",
    "start_at",
    "end_at",
    "utc_offset_minutes",
    "source_name",
    "device",
    "source_kind",
    "modality",
    "sleep_stage",
    "loinc_code",
    "client_id",
)
_NAMES = ", ".join(COLUMNS)
_SQLITE_INSERT = (
    f"INSERT INTO wearable_samples ({_NAMES}) VALUES ({', '.join('?' for _ in COLUMNS)})"
    " ON CONFLICT (patient_id, client_id) DO NOTHING"
)
_PG_STAGING = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS wearable_samples_incoming ON COMMIT DELETE ROWS"
    f" AS SELECT {_NAMES} FROM wearable_samples WITH NO DATA"
)
_PG_MERGE = (
    f"INSERT INTO wearable_samples ({_NAMES}) SELECT {_NAMES} FROM wearable_samples_incoming"
    " ON CONFLICT (patient_id, client_id) DO NOTHING"
)

Row = tuple[Any, ...]


def sample_row(sample: Sample, patient_id: int, import_id: int | None) -> Row:
    """The sample's values in `COLUMNS` order (times as aware UTC datetimes)."""
    offset = sample.utc_offset
    return (
        patient_id,
        import_id,
        sample.metric.value,
        sample.value,
        sample.unit,
        sample.start,
        sample.end,
        None if offset is None else int(offset.total_seconds() // 60),
        sample.source_name[:100],
        None if sample.device is None else sample.device[:255],
        sample.source_kind.value,
        sample.modality.value,
        None if sample.sleep_stage is None else sample.sleep_stage.value,
        sample.loinc,
        sample.client_id,
    )


def sqlite_time(value: datetime) -> str:
    """An instant as SQLAlchemy stores DateTime on SQLite: naive UTC, always microseconds.

    ("2026-01-05 14:03:00.000000": the UTC isoformat without its "+00:00".)
    """
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _sqlite(driver: Any, rows: list[Row]) -> int:
    values = [(*r[:5], sqlite_time(r[5]), sqlite_time(r[6]), *r[7:]) for r in rows]
    cursor = driver.cursor()
    try:
        cursor.executemany(_SQLITE_INSERT, values)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _postgres(driver: Any, rows: list[Row]) -> int:
    with driver.cursor() as cursor:
        cursor.execute(_PG_STAGING)
        cursor.execute("TRUNCATE wearable_samples_incoming")
        with cursor.copy(f"COPY wearable_samples_incoming ({_NAMES}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_PG_MERGE)
        return int(cursor.rowcount)


#: The bulk insert of each database painpath runs on.
_BULK: dict[str, Callable[[Any, list[Row]], int]] = {"sqlite": _sqlite, "postgresql": _postgres}


def insert_new_samples(session: Session, rows: list[Row]) -> int:
    """Insert the rows whose (patient, client id) is new; returns how many were inserted.

    Runs in the session's transaction: the caller's commit makes the batch whole or nothing.
    """
    if not rows:
        return 0
    connection = session.connection()
    bulk = _BULK.get(connection.dialect.name)
    if bulk is None:  # painpath's engine is made for SQLite or PostgreSQL only
        supported = " or ".join(_BULK)
        raise ValueError(
            f"wearable samples are stored in {supported}, not {connection.dialect.name}"
        )
    return bulk(connection.connection.driver_connection, rows)
