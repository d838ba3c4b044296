"""A bound on the audit rows that unauthenticated traffic can cause.

Every denial of a signed-in actor is written, one row each. Denials without an actor (no or
an invalid token, a failed login, a refused CSRF check) come from whoever can reach the
server, so a flood of them must not grow the append-only trail without limit: per clock
minute, the first `per_address` such denials from each client address are written one row
each, and never more than `total` in all. The rest are counted and written later as one
summary row per address and minute ("N further anonymous denials…"), when the next audit
row is written after that minute ends. Nothing is dropped unseen except the counts of a
minute that had not ended when the process stopped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

#: Summary rows written per minute, at most: the busiest addresses, then one for the rest.
SUMMARY_ADDRESSES = 20
#: Client addresses tracked per minute; beyond this, further addresses count as one.
TRACKED_ADDRESSES = 10_000
OTHER_ADDRESSES = None


@dataclass(frozen=True, slots=True)
class Suppressed:
    """Anonymous denials of one minute that were counted but not written one by one."""

    minute: datetime
    client_address: str | None
    count: int

    def describe(self, per_address: int) -> str:
        start = self.minute.strftime("%Y-%m-%d %H:%M")
        source = (
            "other client addresses"
            if self.client_address is None
            else f"client {self.client_address}"
        )
        return (
            f"{self.count} further anonymous denials from {source} in the minute from "
            f"{start} UTC were not written one by one (limit {per_address} a minute per "
            "address)"
        )


class DenialThrottle:
    """Decides which anonymous denials get their own audit row; thread-safe."""

    def __init__(self, *, per_address: int, total: int) -> None:
        if per_address < 1 or total < per_address:
            raise ValueError("need 1 <= per_address <= total")
        self.per_address = per_address
        self.total = total
        self._lock = threading.Lock()
        self._minute: datetime | None = None
        self._written: dict[str | None, int] = {}
        self._written_total = 0
        self._suppressed: dict[str | None, int] = {}
        self._due: list[Suppressed] = []

    def admit(self, client_address: str | None, now: datetime) -> bool:
        """True: write this denial's row. False: it was counted for a summary row."""
        with self._lock:
            self._roll(now)
            key = client_address
            if key not in self._written and len(self._written) >= TRACKED_ADDRESSES:
                key = OTHER_ADDRESSES
            written = self._written.get(key, 0)
            if written < self.per_address and self._written_total < self.total:
                self._written[key] = written + 1
                self._written_total += 1
                return True
            if key not in self._suppressed and len(self._suppressed) >= TRACKED_ADDRESSES:
                key = OTHER_ADDRESSES
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False

    def take_due(self, now: datetime) -> list[Suppressed]:
        """The summaries of minutes that have ended, once each."""
        with self._lock:
            self._roll(now)
            due, self._due = self._due, []
            return due

    def _roll(self, now: datetime) -> None:
        minute = now.replace(second=0, microsecond=0)
        if self._minute == minute:
            return
        if self._minute is not None and self._suppressed:
            self._due.extend(_summaries(self._minute, self._suppressed))
        self._minute = minute
        self._written.clear()
        self._written_total = 0
        self._suppressed = {}


def _summaries(minute: datetime, suppressed: dict[str | None, int]) -> list[Suppressed]:
    named = sorted(
        ((address, count) for address, count in suppressed.items() if address is not None),
        key=lambda item: (-item[1], item[0]),
    )
    rows = [Suppressed(minute, address, count) for address, count in named[:SUMMARY_ADDRESSES]]
    rest = named[SUMMARY_ADDRESSES:]
    rest_count = sum(count for _, count in rest) + suppressed.get(OTHER_ADDRESSES, 0)
    if rest_count:
        rows.append(Suppressed(minute, OTHER_ADDRESSES, rest_count))
    return rows
