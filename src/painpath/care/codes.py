"""Condition and problem look-up by painpath id, ICD-10-CM or SNOMED CT code.

An ICD-10-CM entry in the knowledge may be a category ("M17", "I50"), which covers every code
below it ("M17.11"); SNOMED CT concepts match exactly (painpath does not ship the hierarchy).
"""

from __future__ import annotations

from functools import cache

from painpath.care.knowledge import ReproductiveState, knowledge


def _icd_candidates(code: str) -> tuple[str, ...]:
    """The code and each shorter prefix down to its 3-character category: E11.42 -> E11.42,
    E11.4, E11."""
    code = code.upper()
    head, _, tail = code.partition(".")
    return (*tuple(f"{head}.{tail[:n]}" for n in range(len(tail), 0, -1)), head)


@cache
def _index() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    k = knowledge()
    cond_icd, cond_snomed, prob_icd, prob_snomed = {}, {}, {}, {}
    for c in k.conditions.values():
        cond_icd.update(dict.fromkeys((x.upper() for x in c.icd10cm), c.id))
        cond_snomed.update(dict.fromkeys(c.snomed, c.id))
    for p in k.problems.values():
        prob_icd.update(dict.fromkeys((x.upper() for x in p.icd10cm), p.id))
        prob_snomed.update(dict.fromkeys(p.snomed, p.id))
    return cond_icd, cond_snomed, prob_icd, prob_snomed


def _lookup(value: str, ids: object, icd: dict[str, str], snomed: dict[str, str]) -> str | None:
    text = value.strip()
    if text.lower() in ids:  # type: ignore[operator]
        return text.lower()
    if text.isdigit():
        return snomed.get(text)
    return next((icd[c] for c in _icd_candidates(text) if c in icd), None)


def condition_for(value: str) -> str | None:
    """The painpath condition id for an id, ICD-10-CM or SNOMED CT code; None if unknown."""
    cond_icd, cond_snomed, _, _ = _index()
    return _lookup(value, knowledge().conditions, cond_icd, cond_snomed)


def problem_for(value: str) -> str | None:
    """The problem id for an id, ICD-10-CM or SNOMED CT code; None if unknown."""
    _, _, prob_icd, prob_snomed = _index()
    return _lookup(value, knowledge().problems, prob_icd, prob_snomed)


@cache
def _reproductive_index() -> tuple[dict[str, ReproductiveState], dict[str, ReproductiveState]]:
    icd: dict[str, ReproductiveState] = {}
    snomed: dict[str, ReproductiveState] = {}
    for state in knowledge().reproductive_codes.values():
        icd.update(dict.fromkeys((x.upper() for x in state.icd10cm), state.state))
        snomed.update(dict.fromkeys(state.snomed, state.state))
    return icd, snomed


def reproductive_state_for(code: str) -> ReproductiveState | None:
    """Pregnant, planning a pregnancy or breastfeeding, for a coded condition; None otherwise."""
    icd, snomed = _reproductive_index()
    text = code.strip()
    if text.isdigit():
        return snomed.get(text)
    return next((icd[c] for c in _icd_candidates(text) if c in icd), None)
