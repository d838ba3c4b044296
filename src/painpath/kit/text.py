"""Wording helpers for messages people read."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """The count and the noun agreeing with it: `counted(1, "sample")` is "1 sample",
    `counted(3, "sample")` "3 samples", `counted(2, "entry", "entries")` "2 entries"."""
    noun = singular if count == 1 else (plural if plural is not None else f"{singular}s")
    return f"{count} {noun}"
