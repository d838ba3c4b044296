"""Check the audit trail's hash chain from the first event to the head.

First the queue of events committed but not yet chained (PostgreSQL) is counted, its oldest
row's age noted (over `STALE_AFTER` is a finding) and the queue chained, so the walk covers
every committed event.

The walk streams rows in id order (bounded memory) and stops at the first broken link:
a row whose `previous_hash` is not the hash of the row before it (a row deleted, inserted
or moved there), a row whose content no longer matches its `event_hash` (changed or forged),
or a head row that does not name the last event (the tail cut off or extended behind the
writer's back). An `anchor` — an (id, hash) pair recorded outside the database earlier —
also catches a rewrite of the whole chain and a truncated tail, which the database alone
cannot prove.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, func, select
from sqlalchemy.orm import Session

from painpath.audit.chain import CHAIN_FORMAT, CHAINED_FIELDS, GENESIS_HASH, event_hash
from painpath.audit.chaining import STALE_AFTER, chain_unchained
from painpath.kit.clock import as_utc
from painpath.models.audit_event import AuditChainHead, AuditEvent, AuditEventUnchained

STREAM_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Anchor:
    """A chain position recorded outside the database: event `event_id` had `event_hash`."""

    event_id: int
    event_hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """`ID:HASH`, as `painpath audit verify` prints the head."""
        event_id, separator, digest = text.strip().partition(":")
        digest = digest.lower()
        if (
            not separator
            or not event_id.isdigit()
            or len(digest) != 64
            or any(char not in "0123456789abcdef" for char in digest)
        ):
            raise ValueError("an anchor is ID:HASH, e.g. 1234:<64 hex digits>")
        return cls(int(event_id), digest)


@dataclass(frozen=True, slots=True)
class Queue:
    """Events committed but not yet chained (PostgreSQL; painpath.audit.chaining) when the
    check began: normally none or a few for milliseconds."""

    events: int = 0
    oldest_seconds: float | None = None

    @property
    def stale(self) -> bool:
        """A finding: a row waited longer than chaining takes while servers run (a process
        stopped between its commit and its chaining, or chaining fails: see the server log).
        Until chained, such a row could be changed without breaking the chain."""
        return self.oldest_seconds is not None and self.oldest_seconds > STALE_AFTER.total_seconds()


@dataclass(frozen=True, slots=True)
class ChainReport:
    intact: bool
    events_checked: int
    head_id: int
    head_hash: str
    broken_at: int | None = None
    reason: str | None = None
    anchor: Anchor | None = None
    queue: Queue = field(default_factory=Queue)

    def as_dict(self) -> dict[str, object]:
        return {
            "format": CHAIN_FORMAT,
            "intact": self.intact,
            "events_checked": self.events_checked,
            "head": {"id": self.head_id, "hash": self.head_hash},
            "broken_at": self.broken_at,
            "reason": self.reason,
            "anchor": (
                None
                if self.anchor is None
                else {"id": self.anchor.event_id, "hash": self.anchor.event_hash}
            ),
            "unchained": {
                "events": self.queue.events,
                "oldest_seconds": self.queue.oldest_seconds,
                "stale": self.queue.stale,
            },
        }


def verify_trail(engine: Engine, *, now: datetime, anchor: Anchor | None = None) -> ChainReport:
    """`painpath audit verify`: note the queue of unchained events, chain it, walk the chain."""
    with Session(engine) as session:
        queue = queued_events(session, now=now)
    if queue.events and engine.dialect.name == "postgresql":
        chain_unchained(engine, wait=True)
    with Session(engine) as session:
        return replace(verify_chain(session, anchor=anchor), queue=queue)


def queued_events(session: Session, *, now: datetime) -> Queue:
    """How many events wait to be chained, and for how long the oldest has."""
    count, oldest = session.execute(
        select(func.count(), func.min(AuditEventUnchained.recorded_at))
    ).one()
    if not count:
        return Queue()
    return Queue(count, round((now - as_utc(oldest)).total_seconds(), 1))


def verify_chain(session: Session, *, anchor: Anchor | None = None) -> ChainReport:
    """Walk the whole chain; the report names the first broken link, if any.

    Call it at the start of the session's transaction: on PostgreSQL the walk and the head
    are read from one snapshot, so events chained meanwhile do not look like a forged tail."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    walk = _Walk(anchor)
    rows = session.execute(_STREAM)
    try:
        for row in rows:
            broken = walk.step(row)
            if broken is not None:
                return broken
    finally:
        rows.close()  # a walk stopped early must release PostgreSQL's server-side cursor
    head = session.execute(select(AuditChainHead.event_id, AuditChainHead.event_hash)).one_or_none()
    return walk.finish(None if head is None else (head.event_id, head.event_hash))


_STREAM = (
    select(
        *(getattr(AuditEvent, name) for name in CHAINED_FIELDS),
        AuditEvent.previous_hash,
        AuditEvent.event_hash,
    )
    .order_by(AuditEvent.id)
    .execution_options(yield_per=STREAM_BATCH)
)


class _Walk:
    """The state of a walk along the chain: the last event that checked out."""

    def __init__(self, anchor: Anchor | None) -> None:
        self.anchor = anchor
        self.anchor_seen = False
        self.last_id = 0
        self.last_hash = GENESIS_HASH
        self.checked = 0

    def broken(self, at: int, reason: str) -> ChainReport:
        return ChainReport(
            False, self.checked, self.last_id, self.last_hash, at, reason, self.anchor
        )

    def step(self, row: Row[*tuple[Any, ...]]) -> ChainReport | None:
        if row.previous_hash != self.last_hash:
            before = f"event {self.last_id}" if self.last_id else "the start of the chain"
            return self.broken(
                row.id,
                f"event {row.id} does not follow {before}: an event was deleted, inserted "
                "or moved here",
            )
        if row.event_hash != event_hash(self.last_hash, row._mapping):
            return self.broken(
                row.id, f"event {row.id} does not match its hash: it was changed or forged"
            )
        if self.anchor is not None and row.id == self.anchor.event_id:
            self.anchor_seen = True
            if row.event_hash != self.anchor.event_hash:
                return self.broken(
                    row.id,
                    f"event {row.id} does not have the anchored hash: the chain was rewritten",
                )
        self.last_id, self.last_hash, self.checked = row.id, row.event_hash, self.checked + 1
        return None

    def finish(self, head: tuple[int, str] | None) -> ChainReport:
        if head is None:
            return self.broken(self.last_id, "the chain head row is missing")
        if head != (self.last_id, self.last_hash):
            return self.broken(
                self.last_id,
                f"the chain head names event {head[0]} but the last event is {self.last_id}: "
                "events were removed from or added to the end of the trail",
            )
        if self.anchor is not None and not self.anchor_seen:
            return self.broken(
                self.last_id,
                f"the anchored event {self.anchor.event_id} is not in the trail (the last is "
                f"{self.last_id}): the tail was cut off",
            )
        return ChainReport(True, self.checked, self.last_id, self.last_hash, anchor=self.anchor)
