"""Engine and session factories for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import StaticPool

#: Connections a pool may open beyond `pool_size` (SQLAlchemy's default).
POOL_OVERFLOW = 10
#: Connections a server's pool keeps open beyond its admission limit: the process's background
#: audit chainer's (painpath.audit.chaining) and one more for whatever else runs beside the
#: admitted requests. A connection opened beyond the kept ones is closed as soon as it comes
#: back while the pool holds its full count idle; on PostgreSQL each is a new backend (a fork,
#: its authentication and cold catalog caches): the API soak at 150 requests a second opened
#: ~100 backends a minute with the pool at exactly the admission limit (issue 15).
POOL_SPARE = 2
#: A pooled PostgreSQL connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0


def make_engine(url: str, *, echo: bool = False, pool_size: int | None = None) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout.

    `pool_size` (a server passes its admission limit) keeps one connection ready per request
    the process may be working on, plus `POOL_SPARE`; None keeps SQLAlchemy's default of 5.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if pool_size is not None:
        kwargs["pool_size"] = pool_size + POOL_SPARE
        kwargs["max_overflow"] = POOL_OVERFLOW
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if database in ("", ":memory:"):
            # One shared connection, or every thread would see its own empty database.
            kwargs["poolclass"] = StaticPool
            kwargs.pop("pool_size", None)
            kwargs.pop("max_overflow", None)
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    _insert_many_rows_in_one_statement(engine)
    return engine


def _insert_many_rows_in_one_statement(engine: Engine) -> None:
    """An INSERT of several rows (`connection.execute(insert(t), rows)`) goes to PostgreSQL as
    one multi-row `INSERT … VALUES (…), (…)` statement (SQLAlchemy's "insertmanyvalues", in
    pages of up to 1,000 rows), as it already does for inserts with RETURNING and as SQLAlchemy
    does by default on psycopg2. Without it psycopg runs an executemany as one query per row
    in pipeline mode: the audit rows of every request and a CDS call's issued cards cost more
    CPU in that machinery than the call's other statements together (issue 15)."""
    engine.dialect.use_insertmanyvalues_wo_returning = True


_RETURNED_AT = "painpath.returned_at"


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before handing it out only when it sat unused for
    `PING_AFTER_IDLE_SECONDS`: that is when the server may have closed it (a restart, an idle
    timeout, a firewall); a connection back in the pool a moment ago was working then.
    SQLAlchemy's `pool_pre_ping` pings on every checkout: one more round trip for every
    request, measured at 6 % of a CDS server's busy time at 100 calls a second (issue 15). A
    failed ping discards the connection and the pool opens a new one; an error on a connection
    that broke while in use invalidates the pool as before."""

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection did not answer a ping") from error

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checked_out)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def begin_write(session: Session) -> Connection:
    """Make the rest of `session`'s transaction a writer now, before its first write.

    On SQLite the driver (pysqlite's default transaction handling) runs SELECTs outside any
    transaction and opens a deferred one at the first INSERT/UPDATE/DELETE. Call this right
    before a transaction's writes, after its reads and computation: it sends `BEGIN IMMEDIATE`,
    which takes the database's single write lock at once (waiting in the busy handler if another
    connection holds it) instead of upgrading later, so the lock is held only for the writes
    and the commit, and a writer never fails with SQLITE_BUSY mid-transaction. On PostgreSQL
    (row locks, MVCC readers) nothing is sent. Returns the session's connection.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            _take_writer_file_lock(session, connection.engine.url.database)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection


def _take_writer_file_lock(session: Session, database: str | None) -> None:
    """Queue for SQLite's write lock on a blocking file lock next to the database, held until
    the session's transaction ends.

    SQLite's busy handler waits by sleeping (1, 2, 5, 10, … 100 ms between tries), so a writer
    that finds the lock taken a few times in a row wakes up to ~200 ms late even though the lock
    was free after a millisecond or two. `flock` waits in the kernel and wakes the next writer
    when the lock is released. A fresh file description per transaction makes the lock exclusive
    between threads of one process too. Only writers that call `begin_write` queue here; any
    other writer still meets SQLite's own lock, so nothing can deadlock on it.
    """
    if not database or database == ":memory:" or sys.platform == "win32":
        return  # Windows has no flock: SQLite's busy handler alone
    import fcntl

    handle = open(f"{database}-writer.lock", "a+b")  # noqa: SIM115 (closed when the transaction ends)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    except BaseException:
        handle.close()
        raise

    session.info[_WRITER_LOCK] = handle


_WRITER_LOCK = "painpath.writer_file_lock"


@event.listens_for(Session, "after_transaction_end")
def _release_writer_file_lock(session: Session, transaction: SessionTransaction) -> None:
    """Closing the file description releases the flock, once the outermost transaction ends."""
    if transaction.parent is None:
        handle = session.info.pop(_WRITER_LOCK, None)
        if handle is not None:
            handle.close()
