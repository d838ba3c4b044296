"""Half-open time intervals as (start, end) epoch seconds: union and what a union leaves free."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable


class Union:
    """A growing union of intervals, kept as sorted disjoint runs."""

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []

    def add(self, start: float, end: float) -> None:
        """Merge one interval in (touching runs join); cheap for time-ordered input."""
        if end <= start:
            return
        i = bisect_left(self.ends, start)
        j = bisect_right(self.starts, end)
        if i == j:
            self.starts.insert(i, start)
            self.ends.insert(i, end)
        else:
            self.starts[i:j] = [min(start, self.starts[i])]
            self.ends[i:j] = [max(end, self.ends[j - 1])]

    def add_all(self, intervals: Iterable[tuple[float, float]]) -> None:
        for start, end in intervals:
            self.add(start, end)

    def runs(self) -> Iterable[tuple[float, float]]:
        return zip(self.starts, self.ends, strict=True)

    def free(self, start: float, end: float) -> list[tuple[float, float]]:
        """The parts of [start, end) the union does not cover."""
        pieces: list[tuple[float, float]] = []
        i = bisect_right(self.ends, start)
        cursor = start
        while i < len(self.starts) and self.starts[i] < end:
            if self.starts[i] > cursor:
                pieces.append((cursor, self.starts[i]))
            cursor = max(cursor, self.ends[i])
            i += 1
        if cursor < end:
            pieces.append((cursor, end))
        return pieces

    def covers(self, instant: float) -> bool:
        """Whether an instant lies inside the union."""
        i = bisect_right(self.starts, instant) - 1
        return i >= 0 and instant < self.ends[i]


def merge(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted, disjoint union of intervals (touching ones joined; empty ones dropped)."""
    out: list[tuple[float, float]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out
