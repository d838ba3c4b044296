"""The shapes of an instrument definition and of a score: frozen, typed, JSON-ready."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["info", "warning", "urgent"]
Number = int | float


class InstrumentError(ValueError):
    """A questionnaire that cannot be scored; the message names the item and the problem.

    `flags` holds the item-level flags the answered items raise all the same (PHQ-9 item 9 above
    0 is urgent even when another item is missing and the total cannot be scored).
    """

    def __init__(self, message: str, *, flags: tuple[Flag, ...] = ()) -> None:
        super().__init__(message)
        self.flags = flags


@dataclass(frozen=True, slots=True)
class Source:
    """The publication or manual an instrument's scoring rests on."""

    citation: str
    authors: str
    publication: str
    year: int
    url: str | None
    doi: str | None


@dataclass(frozen=True, slots=True)
class LoincCode:
    code: str
    verified: bool
    source: str


@dataclass(frozen=True, slots=True)
class Loinc:
    """LOINC codes for the panel, the total score and (on each item) the items, where they exist."""

    panel: LoincCode | None
    total: LoincCode | None
    items_verified: bool | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Item:
    """One question: id, painpath's short topic text, answer range and optional scoring map."""

    id: str
    text: str
    min: int
    max: int
    labels: tuple[str, ...] | None  # labels[value - min]
    loinc: str | None
    scores: Mapping[int, int] | None  # answer -> points, where an answer is not its own score

    def points(self, answer: int) -> int:
        return answer if self.scores is None else self.scores[answer]


@dataclass(frozen=True, slots=True)
class Condition:
    """A test on the score, T-score, a subscale (`subscale:NAME`) or an item (`item:ID`)."""

    target: str
    at_least: float | None = None
    at_most: float | None = None
    below: float | None = None

    def holds(self, value: Number | None) -> bool:
        if value is None:
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        if self.at_most is not None and value > self.at_most:
            return False
        return self.below is None or value < self.below


@dataclass(frozen=True, slots=True)
class Band:
    """The first band whose condition holds is the result's band; `when=None` matches anything."""

    band: str
    when: Condition | None


@dataclass(frozen=True, slots=True)
class FlagRule:
    code: str
    severity: Severity
    text: str
    when: Condition


@dataclass(frozen=True, slots=True)
class Subscale:
    name: str
    items: tuple[str, ...]
    rule: Literal["sum", "mean"]
    decimals: int
    min_answered: int | None  # None: every item of the subscale


@dataclass(frozen=True, slots=True)
class MissingRule:
    """How unanswered items are handled: `all_required` (refuse), `drop_from_denominator` (ODI),
    `prorate` (PROMIS: at least `min_answered_fraction` of the items and at least `min_answered`
    of them) or `per_subscale` (BPI)."""

    rule: Literal["all_required", "drop_from_denominator", "prorate", "per_subscale"]
    max_missing: int | None
    min_answered_fraction: float | None
    min_answered: int | None
    note: str | None


@dataclass(frozen=True, slots=True)
class TScoreTable:
    """Raw summed score -> T-score; `table=None` when no table ships in this release;
    `verified=False` for a table painpath derived and could not check against the manual."""

    table: Mapping[int, float] | None
    verified: bool
    sources: tuple[str, ...]
    note: str | None


@dataclass(frozen=True, slots=True)
class Definition:
    """One instrument, loaded from `definitions/<id>.json`."""

    id: str
    short_name: str
    title: str
    version: str
    definition_version: str
    retrieved: str
    source: Source
    licence: str
    item_label: str  # "item", or "section" for the ODI
    items: tuple[Item, ...]
    scoring_rule: str
    scoring: Mapping[str, Any]
    subscales: tuple[Subscale, ...]
    bands: tuple[Band, ...]
    bands_source: str | None
    flags: tuple[FlagRule, ...]
    missing: MissingRule
    loinc: Loinc
    t_score: TScoreTable | None
    requires_sex: bool

    def describe(self) -> dict[str, Any]:
        """Id, title, version and source, as the catalog lists them."""
        return {
            "id": self.id,
            "short_name": self.short_name,
            "title": self.title,
            "version": self.version,
            "definition_version": self.definition_version,
            "items": len(self.items),
            "source": self.source.citation,
            "url": self.source.url,
            "licence": self.licence,
            "t_score_available": None if self.t_score is None else self.t_score.table is not None,
            "t_score_verified": None if self.t_score is None else self.t_score.verified,
        }


@dataclass(frozen=True, slots=True)
class Flag:
    """Something a clinician must see, whatever the band (e.g. PHQ-9 item 9 above 0)."""

    code: str
    severity: Severity
    text: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "text": self.text}


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A scored questionnaire. `score` is the instrument's own total (the raw summed score for
    PROMIS forms, whose T-score is `t_score`); `t_score_verified` is False when that T-score comes
    from a table painpath derived and could not check against the manual (a flag says so too);
    `answered` counts answered items; `prorated` says whether missing items were made up by the
    instrument's own rule."""

    instrument: str
    version: str
    score: Number
    band: str | None
    subscales: Mapping[str, Number | None]
    flags: tuple[Flag, ...]
    t_score: float | None
    has_t_score: bool
    answered: int
    prorated: bool
    t_score_verified: bool | None = None

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "instrument": self.instrument,
            "version": self.version,
            "score": self.score,
            "band": self.band,
            "subscales": dict(self.subscales),
            "flags": [flag.as_json() for flag in self.flags],
        }
        if self.has_t_score:
            document["t_score"] = self.t_score
            document["t_score_verified"] = self.t_score_verified
        document["answered"] = self.answered
        document["prorated"] = self.prorated
        return document
