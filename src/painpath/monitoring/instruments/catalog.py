"""The instrument definitions, loaded once from the package's `definitions/*.json` files.

Every file is data with its source, licence, version and retrieval date; nothing here reads
outside the installed package. An instrument is found by its id or by its short name, the name
printed on the form (`peg` and `PEG-3` are the same instrument), matched loosely (`PHQ-9`, `phq9`
and `phq_9` are the same).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from painpath.monitoring.instruments.model import (
    Band,
    Condition,
    Definition,
    FlagRule,
    InstrumentError,
    Item,
    Loinc,
    LoincCode,
    MissingRule,
    Source,
    Subscale,
    TScoreTable,
)


def _key(instrument_id: str) -> str:
    return "".join(ch for ch in instrument_id.lower() if ch.isalnum())


def _condition(raw: dict[str, Any] | None) -> Condition | None:
    if raw is None:
        return None
    return Condition(
        target=raw["target"],
        at_least=raw.get("at_least"),
        at_most=raw.get("at_most"),
        below=raw.get("below"),
    )


def _loinc_code(raw: dict[str, Any] | None) -> LoincCode | None:
    return None if raw is None else LoincCode(raw["code"], raw["verified"], raw["source"])


def _item(raw: dict[str, Any], answers: dict[str, Any]) -> Item:
    labels = raw.get("labels", answers["labels"])
    scores = raw.get("scores")
    return Item(
        id=raw["id"],
        text=raw["text"],
        min=raw.get("min", answers["min"]),
        max=raw.get("max", answers["max"]),
        labels=None if labels is None else tuple(labels),
        loinc=raw.get("loinc"),
        scores=None if scores is None else MappingProxyType({int(k): v for k, v in scores.items()}),
    )


def _t_score(raw: dict[str, Any] | None) -> TScoreTable | None:
    if raw is None:
        return None
    table = raw["table"]
    return TScoreTable(
        table=None if table is None else MappingProxyType({int(k): v for k, v in table.items()}),
        verified=bool(raw["verified"]),
        sources=tuple(raw["sources"]),
        note=raw.get("note"),
    )


def parse_definition(raw: dict[str, Any]) -> Definition:
    """A `Definition` from one parsed definition file."""
    answers = raw["answers"]
    flags = []
    for rule in raw["flags"]:
        when = _condition(rule["when"])
        if when is None:
            raise ValueError(f"{raw['id']}: flag {rule['code']} has no condition")
        flags.append(FlagRule(rule["code"], rule["severity"], rule["text"], when))
    missing = raw["missing"]
    return Definition(
        id=raw["id"],
        short_name=raw["short_name"],
        title=raw["title"],
        version=raw["version"],
        definition_version=raw["definition_version"],
        retrieved=raw["retrieved"],
        source=Source(**raw["source"]),
        licence=raw["licence"],
        item_label=raw["item_label"],
        items=tuple(_item(item, answers) for item in raw["items"]),
        scoring_rule=raw["scoring"]["rule"],
        scoring=MappingProxyType(dict(raw["scoring"])),
        subscales=tuple(
            Subscale(
                name=s["name"],
                items=tuple(s["items"]),
                rule=s["rule"],
                decimals=s.get("decimals", 2),
                min_answered=s.get("min_answered"),
            )
            for s in raw["subscales"]
        ),
        bands=tuple(Band(b["band"], _condition(b["when"])) for b in raw["bands"]),
        bands_source=raw.get("bands_source"),
        flags=tuple(flags),
        missing=MissingRule(
            rule=missing["rule"],
            max_missing=missing.get("max_missing"),
            min_answered_fraction=missing.get("min_answered_fraction"),
            min_answered=missing.get("min_answered"),
            note=missing.get("note"),
        ),
        loinc=Loinc(
            panel=_loinc_code(raw["loinc"]["panel"]),
            total=_loinc_code(raw["loinc"]["total"]),
            items_verified=raw["loinc"].get("items_verified"),
            note=raw["loinc"].get("note"),
        ),
        t_score=_t_score(raw["t_score"]),
        requires_sex=raw["requires_sex"],
    )


@cache
def _definitions() -> MappingProxyType[str, Definition]:
    folder = resources.files("painpath.monitoring.instruments").joinpath("definitions")
    found: dict[str, Definition] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            loaded = parse_definition(json.loads(entry.read_text(encoding="utf-8")))
            for name in {_key(loaded.id), _key(loaded.short_name)}:
                if name in found:
                    raise ValueError(f"{loaded.id}: {name!r} already names {found[name].id}")
                found[name] = loaded
    return MappingProxyType(found)


def catalog() -> tuple[Definition, ...]:
    """Every instrument painpath can score, in id order."""
    return tuple({found.id: found for found in _definitions().values()}.values())


def definition(instrument_id: str) -> Definition:
    """The definition named by `instrument_id` or its short name (case and punctuation ignored);
    unknown names raise."""
    found = _definitions().get(_key(instrument_id))
    if found is None:
        known = ", ".join(d.id for d in catalog())
        raise InstrumentError(f"unknown instrument {instrument_id!r}; known: {known}")
    return found
