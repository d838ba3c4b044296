"""Append committed, unchained audit events to the hash chain, one writer at a time (PostgreSQL).

Why not chain inside the request's transaction: appending to the chain locks its head until
the transaction commits, and on PostgreSQL a commit waits for its WAL flush. With the head
locked across that flush, every audited request of every server process committed in series,
one flush after another, and a stall drained only as fast as those serial commits (issue 15;
bench/README.md, "Sixth pass (cds15f …)"). So a request
inserts its events into `audit_events_unchained` in its own transaction — never lost, atomic
with the data they describe, no lock shared with other requests, and commits flush together —
and a short transaction moves them into the chain afterwards:

- Under a transaction-scoped advisory lock (`CHAIN_LOCK`), so one chainer at a time across all
  processes; it takes no row lock and writes nothing when there is nothing to chain.
- Every committed unchained row, in id order, `BATCH` rows per transaction, in three
  statements and the commit whatever the batch's size (the lock; the queue with the head; one
  statement that appends, dequeues and moves the head): the order in the chain is the order
  of chaining, and the events keep the hash format of `painpath.audit.chain`.
- Triggered after the commit that inserted them. A web request's: when it ends, it wakes its
  process's background chainer, which gathers the commits of the next `audit_chain_batch_ms`
  (250 ms) and chains them in one transaction, so at 100 requests/s a process runs at most 4
  chain transactions a second and none in a request's thread (with 0 — the test environment —
  the request chains its own after its response: `deferred_to_end_of_request`). Other callers
  (CLI, jobs, alert hub threads) chain right after their commit. A chainer that finds another
  one holding the lock leaves its rows to the background chainer, which waits for the lock, so
  a row never waits for a later commit to be chained.
- The queue is a table every row passes through (~1,500 rows a second at the API's 150
  requests a second), so it is nearly all dead rows between vacuums, and autovacuum visits it
  at most once a `autovacuum_naptime` (a minute by default): every chain transaction then read
  past tens of thousands of dead rows and index entries, and its three statements grew from
  2 to 11 ms within a minute (issue 15: the soak's p99 grew with it). So a background chainer
  that has chained `VACUUM_AFTER_ROWS` rows since it last did vacuums the queue itself
  (`VACUUM (SKIP_LOCKED, TRUNCATE false)`, outside any transaction, a few ms on a table that
  small): the queue stays a few hundred pages whatever the rate or the uptime. Nothing else
  depends on it: without the table's ownership PostgreSQL skips it with a warning.
- A process that dies between its commit and its chaining leaves rows queued: the next chain
  run of any process takes them, and `painpath audit verify` chains them after reporting how
  many there were and how old the oldest was.

The window this opens: an unchained row has no hash yet, so someone able to change the
database behind the application's back could change or delete it before it is chained without
breaking the chain. It lasts milliseconds while servers run; verify reports queued rows and
flags any older than `STALE_AFTER` as a finding.

SQLite keeps chaining in the request's transaction (`painpath.audit.trail`): its write lock
serialises writers anyway, and a second transaction would cost a second file lock and sync.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, func, select, text

from painpath.audit.chain import event_hash
from painpath.models.audit_event import AuditChainHead, AuditEventUnchained

logger = logging.getLogger(__name__)

HEAD_ROW_ID = 1
#: The advisory lock every chainer takes (any 64-bit key no other code uses).
CHAIN_LOCK = 0x7061696E_70617468  # "painpath"
#: Rows chained per transaction.
BATCH = 500
#: `painpath audit verify` flags an unchained row older than this as a finding.
STALE_AFTER = timedelta(seconds=60)
#: Seconds the background chainer of a process waits for more work before its thread ends.
IDLE_SECONDS = 5.0
#: A background chainer vacuums the queue after chaining this many rows (module docstring).
VACUUM_AFTER_ROWS = 5_000
#: Skips the table if another vacuum holds it (both processes' chainers, autovacuum); keeps the
#: emptied pages for the next rows instead of taking the exclusive lock that truncating needs.
_VACUUM_QUEUE = "VACUUM (SKIP_LOCKED, TRUNCATE false) audit_events_unchained"


class AuditChainUnavailable(RuntimeError):
    """The chain's head row is missing: the database was not migrated."""


_UNCHAINED = cast("Table", AuditEventUnchained.__table__)
_HEAD = cast("Table", AuditChainHead.__table__)
_IS_HEAD = _HEAD.c.id == HEAD_ROW_ID
#: The content columns: an unchained row's, and a chained event's before its id and hashes.
CONTENT = [column.name for column in _UNCHAINED.c if column.name != "id"]

_TRY_LOCK = select(func.pg_try_advisory_xact_lock(CHAIN_LOCK))
_LOCK = select(func.pg_advisory_xact_lock(CHAIN_LOCK))
#: The oldest queued rows with the chain's head (None: the head row is missing). The advisory
#: lock is the chain's only lock: the head changes only under it.
_QUEUED = (
    select(_UNCHAINED, _HEAD.c.event_id.label("head_id"), _HEAD.c.event_hash.label("head_hash"))
    .select_from(_UNCHAINED.outerjoin(_HEAD, _IS_HEAD))
    .order_by(_UNCHAINED.c.id)
    .limit(BATCH)
)
#: One round trip for any number of rows, one compiled statement: the queued rows are copied
#: into the chain with the ids and hashes computed here, taken off the queue, and the head
#: moved. (The sub-statements share one snapshot, so the copy still sees the rows it deletes.)
_CHAIN = text(
    f"""
    WITH moved_head AS (
        UPDATE audit_chain_head SET event_id = :head_id, event_hash = :head_hash
        WHERE id = {HEAD_ROW_ID}
    ), dequeued AS (
        DELETE FROM audit_events_unchained WHERE id = ANY(CAST(:queue_ids AS INTEGER[]))
    )
    INSERT INTO audit_events (id, previous_hash, event_hash, {", ".join(CONTENT)})
    SELECT link.id, link.previous_hash, link.event_hash,
        {", ".join(f"queued.{name}" for name in CONTENT)}
    FROM unnest(
        CAST(:queue_ids AS INTEGER[]), CAST(:ids AS INTEGER[]),
        CAST(:previous AS VARCHAR[]), CAST(:hashes AS VARCHAR[])
    ) AS link(queue_id, id, previous_hash, event_hash)
    JOIN audit_events_unchained AS queued ON queued.id = link.queue_id
    """
)


def link(rows: list[dict[str, Any]], head: tuple[int, str] | None) -> dict[str, Any]:
    """Give each row the next id and its hashes after `head` (the chain's newest event, read
    under the chain's lock); the parameters that move the head past them."""
    if head is None:
        raise AuditChainUnavailable("the audit chain head is missing: run `painpath db upgrade`")
    head_id, head_hash = head
    for row in rows:
        row["id"] = head_id + 1
        row["previous_hash"] = head_hash
        row["event_hash"] = event_hash(head_hash, row)
        head_id, head_hash = row["id"], row["event_hash"]
    return {"head_id": head_id, "head_hash": head_hash}


def chain_unchained(engine: Engine, *, wait: bool) -> int | None:
    """Chain every committed unchained event, in id order; how many were chained, or None when
    another chainer holds the lock and `wait` is false (it, or the caller's fallback, will)."""
    chained = 0
    with engine.connect() as connection:
        while True:
            with connection.begin():
                if not connection.execute(_LOCK if wait else _TRY_LOCK).scalar() and not wait:
                    return None
                moved = _chain_batch(connection)
            chained += moved
            if moved < BATCH:
                return chained


def vacuum_queue(engine: Engine) -> None:
    """Vacuum the queue of unchained events (PostgreSQL; VACUUM runs outside a transaction)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(_VACUUM_QUEUE)


def _chain_batch(connection: Connection) -> int:
    queued = connection.execute(_QUEUED).mappings().all()
    if not queued:
        return 0  # nothing written: the transaction needs no WAL flush
    first = queued[0]
    head = None if first["head_id"] is None else (first["head_id"], first["head_hash"])
    rows = [{name: row[name] for name in CONTENT} for row in queued]
    moved_head = link(rows, head)
    connection.execute(
        _CHAIN,
        moved_head
        | {
            "queue_ids": [row["id"] for row in queued],
            "ids": [row["id"] for row in rows],
            "previous": [row["previous_hash"] for row in rows],
            "hashes": [row["event_hash"] for row in rows],
        },
    )
    return len(rows)


def chain_after_commit(engine: Engine) -> None:
    """Events were committed unchained through `engine`: chain them now, or, in a web request,
    leave them to the request's end (`deferred_to_end_of_request`)."""
    due = _due_at_end_of_request.get()
    if due is not None:
        due.add(engine)
        return
    chain_now(engine)


def chain_soon(engine: Engine, gather: float) -> None:
    """Have this process's background chainer chain what is queued in `gather` seconds: one
    transaction for every request that ends meanwhile, none in the request's thread."""
    _background(engine).wake(gather)


def chain_now(engine: Engine) -> None:
    """Chain what is queued, unless another chainer is at it: then this process's background
    chainer waits for the lock and chains what is left. Never raises: the rows stay queued."""
    try:
        if chain_unchained(engine, wait=False) is None:
            _background(engine).wake()
    except Exception:
        logger.exception("could not chain the audit trail; the events stay queued")


@contextmanager
def deferred_to_end_of_request(due: set[Engine]) -> Iterator[None]:
    """While the block runs (a web request, its worker threads included), collect in `due` the
    engines whose commits queued events, instead of chaining at each commit; the caller has
    them chained (`chain_soon`, or `chain_now`) once the response has started."""
    token = _due_at_end_of_request.set(due)
    try:
        yield
    finally:
        _due_at_end_of_request.reset(token)


_due_at_end_of_request: ContextVar[set[Engine] | None] = ContextVar(
    "painpath_audit_chain_due", default=None
)


class _BackgroundChainer:
    """One thread per process and engine, started on demand, that waits for the chain's lock;
    it ends after `IDLE_SECONDS` without work (tests and CLI runs leave no thread behind)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self._due = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._gather = 0.0
        #: Rows this chainer chained since it last vacuumed the queue.
        self._unvacuumed = 0

    def wake(self, gather: float = 0.0) -> None:
        """Chain soon: after `gather` seconds, so the commits meanwhile go in the same batch."""
        self._gather = gather
        self._due.set()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="painpath-audit-chainer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            if not self._due.wait(IDLE_SECONDS):
                with self._lock:
                    if not self._due.is_set():
                        self._thread = None
                        return
            if self._gather:
                time.sleep(self._gather)
            self._due.clear()
            engine = self._engine()
            if engine is None:
                return
            try:
                self._unvacuumed += chain_unchained(engine, wait=True) or 0
            except Exception:
                logger.exception("could not chain the audit trail; the events stay queued")
            if self._unvacuumed >= VACUUM_AFTER_ROWS:
                self._unvacuumed = 0
                try:
                    vacuum_queue(engine)
                except Exception:
                    logger.exception("could not vacuum the audit queue")
            del engine


_chainers: weakref.WeakKeyDictionary[Engine, _BackgroundChainer] = weakref.WeakKeyDictionary()
_chainers_lock = threading.Lock()


def _background(engine: Engine) -> _BackgroundChainer:
    with _chainers_lock:
        chainer = _chainers.get(engine)
        if chainer is None:
            chainer = _chainers[engine] = _BackgroundChainer(engine)
        return chainer
