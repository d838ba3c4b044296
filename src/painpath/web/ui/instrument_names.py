"""The names a page shows for a stored instrument id.

Stored rows are hostile: a response or an assignment may name an instrument this release does
not know (an id a later release renamed, a row written by another tool). Pages show it as
unknown rather than fail.
"""

from __future__ import annotations

from dataclasses import dataclass

from painpath.monitoring import instruments


@dataclass(frozen=True, slots=True)
class InstrumentNames:
    short_name: str
    title: str
    known: bool
    # Its T-score table is derived, not checked against the published manual (PROMIS 6a/6b).
    t_score_unverified: bool = False


def instrument_names(instrument_id: str) -> InstrumentNames:
    try:
        found = instruments.definition(instrument_id)
    except instruments.InstrumentError:
        title = f"Unknown instrument “{instrument_id}”: not in this release's catalog"
        return InstrumentNames(instrument_id, title, known=False)
    unverified = found.t_score is not None and not found.t_score.verified
    return InstrumentNames(found.short_name, found.title, known=True, t_score_unverified=unverified)
