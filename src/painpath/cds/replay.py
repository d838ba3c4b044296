"""Refuse a replayed CDS client JWT: each (issuer, jti) is accepted once until its token
expires (CDS Hooks 2.0: `jti` is "a nonce string value that uniquely identifies this
authentication JWT"; RFC 7519 §4.1.7 "can be used to prevent the JWT from being replayed").

The ids live in the database, so every worker process refuses the same replay. A hook call
spends its jti in the transaction that stores its cards and audit rows, before any patient
data is read (`spend_first`): on PostgreSQL one `INSERT … ON CONFLICT DO NOTHING RETURNING`
(row locks: nothing else waits on it; a replay racing in another process waits for the first
transaction and then finds the row); on SQLite, whose single write lock should be taken only
for the writes, a read first (`refuse_if_seen`) and the INSERT in the short write transaction
(`record_once`; the unique key refuses a replay that raced past the read, and that transaction
rolls back). Expired ids are pruned by `prune_expired`, which the web layer runs at most once
a minute per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from painpath.cds.client_auth import CdsClient, ClientNotAuthenticated
from painpath.models.cds import CdsSeenToken

ALREADY_USED = "this CDS client JWT was already used (its jti was seen before); send a new one"
#: Housekeeping (expired jti, issued cards past retention) runs at most this often per process.
PRUNE_INTERVAL_SECONDS = 60.0

_SEEN = cast("Table", CdsSeenToken.__table__)
# Built once: a Core statement hits the compiled cache.
_REMEMBER = insert(_SEEN)
_SEEN_BEFORE = (
    select(_SEEN.c.jti)
    .where(_SEEN.c.issuer == bindparam("issuer"), _SEEN.c.jti == bindparam("jti"))
    .limit(1)
)
_RECORD_UNLESS_SEEN = (
    postgresql.insert(_SEEN).on_conflict_do_nothing(index_elements=["issuer", "jti"])
).returning(_SEEN.c.jti)


def spend_first(session: Session, client: CdsClient) -> bool:
    """Spend the token's jti as the transaction's first statement where the database allows it
    without a database-wide lock (PostgreSQL): one statement records it, or raises
    ClientNotAuthenticated when it was seen before. Returns False where only the check was
    done (SQLite: `record_once` must still run, in the write transaction)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        refuse_if_seen(session, client)
        return False
    params = {"issuer": client.issuer, "jti": client.jti, "expires_at": client.expires_at}
    recorded = connection.execute(_RECORD_UNLESS_SEEN, params).first()
    if recorded is None:
        raise ClientNotAuthenticated(ALREADY_USED)
    return True


def refuse_if_seen(session: Session, client: CdsClient) -> None:
    """Raise ClientNotAuthenticated when the token's jti was recorded before (a read: it takes
    no lock; `record_once` in the write transaction still refuses a concurrent replay)."""
    params = {"issuer": client.issuer, "jti": client.jti}
    if session.connection().execute(_SEEN_BEFORE, params).first() is not None:
        raise ClientNotAuthenticated(ALREADY_USED)


def record_once(session: Session, client: CdsClient) -> None:
    """Record the token's jti in `session`'s transaction, or raise ClientNotAuthenticated when
    it was seen before (the caller rolls the transaction back)."""
    try:
        session.connection().execute(
            _REMEMBER,
            {"issuer": client.issuer, "jti": client.jti, "expires_at": client.expires_at},
        )
    except IntegrityError as error:
        raise ClientNotAuthenticated(ALREADY_USED) from error


def prune_expired(session: Session, *, now: datetime) -> None:
    session.execute(delete(CdsSeenToken).where(CdsSeenToken.expires_at < now))


def accept_once(
    session_factory: sessionmaker[Session], client: CdsClient, *, now: datetime
) -> None:
    """Record the token's jti in a transaction of its own (pruning expired ones), or raise
    ClientNotAuthenticated when it was seen before."""
    with session_factory() as session:
        prune_expired(session, now=now)
        try:
            record_once(session, client)
            session.commit()
        except ClientNotAuthenticated:
            session.rollback()
            raise


@dataclass
class PruneSchedule:
    """Whether this process's housekeeping is due: the first call, then once per interval."""

    interval: float = PRUNE_INTERVAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _last: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def due(self) -> bool:
        with self._lock:
            now = self.clock()
            if self._last is not None and now - self._last < self.interval:
                return False
            self._last = now
            return True
