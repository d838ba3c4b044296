"""Small readers over FHIR R4 JSON dicts: flattening prefetch shapes, codings, dates, durations.

Tolerant by design: a missing or malformed element reads as absent, never as an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

Resource = Mapping[str, Any]
#: What a JSON object may be: parsed JSON gives dicts, checked first (an ABC check on
#: Mapping costs ten times as much, and the mapper makes thousands per request).
JSON_OBJECT = (dict, Mapping)

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
_DAYS_PER_UNIT = {
    "s": 1 / 86400,
    "min": 1 / 1440,
    "h": 1 / 24,
    "d": 1.0,
    "wk": 7.0,
    "mo": 30.0,
    "a": 365.0,
}
_UCUM_ALIASES = {"day": "d", "days": "d", "week": "wk", "weeks": "wk", "month": "mo", "year": "a"}


def flatten(values: Iterable[Any]) -> Iterator[Resource]:
    """Every resource in `values`: bare resources, Bundles (`entry[].resource`), bare Bundle
    entries (`{response, resource}`) and None (not prefetched: skipped)."""
    for value in values:
        if not isinstance(value, JSON_OBJECT):
            continue
        kind = value.get("resourceType")
        if kind == "Bundle":
            yield from flatten(entry.get("resource") for entry in _dicts(value.get("entry")))
        elif kind is None and isinstance(value.get("resource"), Mapping):
            yield from flatten([value["resource"]])
        elif isinstance(kind, str):
            yield value


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, JSON_OBJECT)] if isinstance(value, list) else []


def items(resource: Resource, key: str) -> list[Mapping[str, Any]]:
    """`resource[key]` as a list of objects (a single object becomes a one-item list). Lists
    and absent keys are tested first: for them, the `Mapping` check of JSON_OBJECT would be an
    ABC check (four or five per medication resource)."""
    value = resource.get(key)
    if isinstance(value, list):
        return [v for v in value if isinstance(v, JSON_OBJECT)]
    if value is not None and isinstance(value, JSON_OBJECT):
        return [value]
    return []


def codings(concept: Any) -> list[tuple[str, str]]:
    """(system, code) pairs of a CodeableConcept, or of a list of them. (Called a few hundred
    times per CDS call: written without the intermediate lists of `_dicts`.)"""
    concepts = concept if isinstance(concept, list) else (concept,)
    pairs = []
    for one in concepts:
        if isinstance(one, JSON_OBJECT):
            coding_list = one.get("coding")
            if not isinstance(coding_list, list):
                continue
            for coding in coding_list:
                if isinstance(coding, JSON_OBJECT):
                    code = coding.get("code")
                    if isinstance(code, str):
                        pairs.append((str(coding.get("system") or ""), code))
    return pairs


def codes(concept: Any) -> set[str]:
    """The bare codes of a CodeableConcept (or list), any system."""
    return {code for _, code in codings(concept)}


def has_code(concept: Any, wanted: str) -> bool:
    """Whether a CodeableConcept carries `wanted` as a code, case-insensitively."""
    return wanted.lower() in {c.lower() for c in codes(concept)}


def parse_date(value: Any) -> date | None:
    """The calendar date of a FHIR date or dateTime (offsets ignored: calendar dates compare)."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    text = value[:10]
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        if len(text) == 7:
            return date.fromisoformat(text + "-01")
        return date(int(text[:4]), 1, 1)
    except ValueError:
        return None


def first_date(resource: Resource, *keys: str) -> date | None:
    """The first readable date among `keys` (dateTime elements or Period starts)."""
    for key in keys:
        value = resource.get(key)
        if isinstance(value, JSON_OBJECT):
            value = value.get("start") or value.get("end")
        found = parse_date(value)
        if found is not None:
            return found
    return None


def duration_days(duration: Any) -> float | None:
    """A FHIR Duration/Quantity (`value` + `unit`/`code`) in days; mo = 30 d, a = 365 d."""
    if not isinstance(duration, JSON_OBJECT):
        return None
    value = duration.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        return None
    unit = str(duration.get("code") or duration.get("unit") or "d").strip()
    unit = _UCUM_ALIASES.get(unit.lower(), unit)
    factor = _DAYS_PER_UNIT.get(unit)
    return None if factor is None else float(value) * factor


def reference_id(reference: Any) -> str | None:
    """The bare id of a Reference (`Patient/123` → `123`, `#med1` → `med1`)."""
    if isinstance(reference, JSON_OBJECT):
        reference = reference.get("reference")
    if not isinstance(reference, str) or not reference:
        return None
    return reference.rsplit("/", 1)[-1].lstrip("#")


def status_is(resource: Resource, *wanted: str) -> bool:
    """Whether `status` is one of `wanted` (absent status counts as a match)."""
    status = resource.get("status")
    return status is None or status in wanted
