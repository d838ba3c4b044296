"""Check the audit trail's hash chain from the first event to the head.

The walk streams rows in id order (bounded memory) and stops at the first broken link:
a row whose `previous_hash` is not the hash of the row before it (a row deleted, inserted
or moved there), a row whose content no longer matches its `event_hash` (changed or forged),
or a head row that does not name the last event (the tail cut off or extended behind the
writer's back). An `anchor` — an (id, hash) pair recorded outside the database earlier —
also catches a rewrite of the whole chain and a truncated tail, which the database alone
cannot prove.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from painpath.audit.chain import CHAIN_FORMAT, CHAINED_FIELDS, GENESIS_HASH, event_hash
from painpath.models.audit_event import AuditChainHead, AuditEvent

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
class ChainReport:
    intact: bool
    events_checked: int
    head_id: int
    head_hash: str
    broken_at: int | None = None
    reason: str | None = None
    anchor: Anchor | None = None

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
        }


def verify_chain(session: Session, *, anchor: Anchor | None = None) -> ChainReport:
    """Walk the whole chain; the report names the first broken link, if any."""
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
