"""The CDC Opioid CDS clinical value sets the mapper needs (conditions, procedures, lab tests),
packaged as data by scripts/derive_cds_valuesets.py with their source url and version."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from painpath.fhir.resources import codings


def _normal(system: str, code: str) -> tuple[str, str]:
    """Systems compared without trailing slash; ICD-10 codes without the dot, upper case."""
    system, icd10 = _system_form(system) if len(system) <= _CACHED_SYSTEM_LENGTH else _form(system)
    if icd10:
        return system, code.replace(".", "").upper()
    return system, code


def _form(system: str) -> tuple[str, bool]:
    """A system without trailing slash, and whether it is ICD-10."""
    return system.rstrip("/"), "icd-10" in system.lower()


#: Systems up to this long are remembered (256 of them): a handful recur in every call; the
#: bound keeps what a client may send from filling memory.
_CACHED_SYSTEM_LENGTH = 200
_system_form = lru_cache(maxsize=256)(_form)


@dataclass(frozen=True, slots=True)
class ValueSet:
    """One value set: canonical url, version and its (system, code) pairs."""

    key: str
    url: str
    version: str | None
    pairs: frozenset[tuple[str, str]]
    bare_codes: frozenset[str]

    def matches(self, concept: Any) -> bool:
        """Whether a CodeableConcept (or list) has a code in this set; a coding without a
        system matches on the code alone."""
        for system, code in codings(concept):
            if system:
                if _normal(system, code) in self.pairs:
                    return True
            elif code in self.bare_codes or _normal("icd-10", code)[1] in self.bare_codes:
                return True
        return False


@cache
def _document() -> dict[str, Any]:
    text = resources.files("painpath.fhir").joinpath("valuesets/opioid_cds.json").read_text()
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def value_set(key: str) -> ValueSet:
    """The packaged value set `key` (e.g. "cancer", "uds_opiate"); KeyError when unknown."""
    entry = _document()["value_sets"][key]
    pairs = frozenset(_normal(system, code) for system, code in entry["codes"])
    return ValueSet(
        key=key,
        url=entry["url"],
        version=entry.get("version") or entry.get("expansion_timestamp"),
        pairs=pairs,
        bare_codes=frozenset(code for _, code in pairs),
    )


def value_sets_source() -> str:
    """Where the packaged value sets come from (upstream repository and commit)."""
    return str(_document()["source"])


UDS_SUBSTANCES = (
    "amphetamine", "barbiturate", "benzodiazepine", "buprenorphine", "cannabinoid", "cocaine",
    "fentanyl", "heroin", "methadone", "opiate", "oxycodone", "pcp", "xylazine",
)  # fmt: skip
_UDS_TEST_SETS = frozenset({"uds_all", "uds_opioid", "uds_non_opioid"})


@cache
def _code_index() -> tuple[dict[tuple[str, str], frozenset[str]], dict[str, frozenset[str]]]:
    """Every packaged value set's codes, inverted: (system, code) → keys, bare code → keys."""
    by_pair: dict[tuple[str, str], set[str]] = {}
    by_code: dict[str, set[str]] = {}
    for key in _document()["value_sets"]:
        one = value_set(key)
        for pair in one.pairs:
            by_pair.setdefault(pair, set()).add(key)
        for code in one.bare_codes:
            by_code.setdefault(code, set()).add(key)
    return (
        {pair: frozenset(keys) for pair, keys in by_pair.items()},
        {code: frozenset(keys) for code, keys in by_code.items()},
    )


def value_set_keys(concept: Any) -> frozenset[str]:
    """The keys of every packaged value set a CodeableConcept (or list) has a code in, matched
    as `ValueSet.matches` does — in one pass over its codings instead of one per value set (a
    lab result is checked against 17 urine-drug-screen sets; in a CDS call with 30 observations
    that was the mapper's largest cost)."""
    by_pair, by_code = _code_index()
    found: set[str] = set()
    for system, code in codings(concept):
        if system:
            found.update(by_pair.get(_normal(system, code), ()))
        else:
            found.update(by_code.get(code, ()))
            found.update(by_code.get(_normal("icd-10", code)[1], ()))
    return frozenset(found)


def uds_substance(concept: Any, keys: frozenset[str] | None = None) -> str | None:
    """The engine's UDT substance name for a urine drug screen test code, if any (`keys`:
    the concept's `value_set_keys`, when the caller has them)."""
    keys = value_set_keys(concept) if keys is None else keys
    for substance in UDS_SUBSTANCES:
        if f"uds_{substance}" in keys:
            return substance
    if "uds_opiate_specific" in keys:
        return "opiate"
    return None


def is_uds_test(concept: Any, keys: frozenset[str] | None = None) -> bool:
    """Any urine drug screen (opioid or non-opioid) test code."""
    keys = value_set_keys(concept) if keys is None else keys
    return bool(keys & _UDS_TEST_SETS)
