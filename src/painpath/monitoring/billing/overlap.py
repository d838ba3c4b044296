"""The same minutes counted once: a performer's logged intervals are merged before they count.

A completed video visit logs its minutes as interactive time; a clinician may also have logged
time by hand for the same stretch. Each performer's minute counts once: entries are taken in
priority order (visits first, so the visit keeps its minutes and its interactive flag) and each
counts only the minutes no earlier entry of the same performer already covered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class LoggedInterval:
    key: int
    performer: str
    started_at: datetime
    minutes: int
    priority: int = 1  # lower counts first (a visit: 0)


def _uncovered(start: datetime, end: datetime, covered: list[tuple[datetime, datetime]]) -> float:
    """Seconds of [start, end) outside every interval in `covered`."""
    pieces = [(start, end)]
    for c_start, c_end in covered:
        next_pieces = []
        for p_start, p_end in pieces:
            if c_end <= p_start or p_end <= c_start:
                next_pieces.append((p_start, p_end))
                continue
            if p_start < c_start:
                next_pieces.append((p_start, c_start))
            if c_end < p_end:
                next_pieces.append((c_end, p_end))
        pieces = next_pieces
    return sum((e - s).total_seconds() for s, e in pieces)


def counted_minutes(intervals: list[LoggedInterval]) -> dict[int, int]:
    """Minutes each entry counts once overlaps with the same performer's earlier entries are
    removed (whole minutes, rounded down)."""
    covered: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    counted: dict[int, int] = {}
    for entry in sorted(intervals, key=lambda i: (i.priority, i.started_at, i.key)):
        end = entry.started_at + timedelta(minutes=entry.minutes)
        seconds = _uncovered(entry.started_at, end, covered[entry.performer])
        counted[entry.key] = int(seconds // 60)
        covered[entry.performer].append((entry.started_at, end))
    return counted
