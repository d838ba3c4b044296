"""Scoring: each definition names its rule (sum, mean, subscale, percent of maximum, PROMIS summed
score, Opioid Risk Tool) and its missing-data rule; bands and flags are conditions in the data."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType

from painpath.monitoring.instruments.answers import Answers, checked_answers
from painpath.monitoring.instruments.catalog import definition
from painpath.monitoring.instruments.model import (
    Condition,
    Definition,
    Flag,
    InstrumentError,
    Item,
    Number,
    ScoreResult,
)
from painpath.opioids import opioid_risk_tool


def rounded(value: Fraction, decimals: int) -> float:
    """`value` rounded half up (as the manuals do by hand), not to even."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _listing(definition: Definition, items: Sequence[Item]) -> str:
    label = definition.item_label + ("s" if len(items) > 1 else "")
    return f"{definition.short_name} {label} {', '.join(item.id for item in items)}"


@dataclass(frozen=True, slots=True)
class _Answered:
    """The answered items and their points (after any item scoring map)."""

    items: tuple[Item, ...]
    points: tuple[int, ...]
    missing: tuple[Item, ...]


def _answered(items: Sequence[Item], values: Mapping[str, int | None]) -> _Answered:
    pairs = [(item, values[item.id]) for item in items]
    return _Answered(
        items=tuple(item for item, value in pairs if value is not None),
        points=tuple(item.points(value) for item, value in pairs if value is not None),
        missing=tuple(item for item, value in pairs if value is None),
    )


def _check_missing(definition: Definition, answered: _Answered) -> None:
    """Refuse what the instrument's missing-data rule does not allow, naming the items."""
    rule = definition.missing
    missing = answered.missing
    total = len(definition.items)
    if not missing or rule.rule == "per_subscale":
        return
    if rule.rule == "all_required":
        raise InstrumentError(
            f"{_listing(definition, missing)}: unanswered; {definition.short_name} is scored only "
            f"when every {definition.item_label} is answered"
        )
    if rule.rule == "drop_from_denominator":
        allowed = rule.max_missing or 0
        if len(missing) > allowed:
            raise InstrumentError(
                f"{_listing(definition, missing)}: unanswered; at most {allowed} of {total} "
                f"{definition.item_label}s may be missing"
            )
        return
    needed = max(
        math.ceil(total * (rule.min_answered_fraction or 1.0)), min(rule.min_answered or 0, total)
    )
    if len(answered.items) < needed:
        raise InstrumentError(
            f"{_listing(definition, missing)}: unanswered; at least {needed} of {total} "
            f"{definition.item_label}s must be answered"
        )


def _subscales(
    definition: Definition, values: Mapping[str, int | None]
) -> dict[str, Number | None]:
    by_id = {item.id: item for item in definition.items}
    results: dict[str, Number | None] = {}
    for subscale in definition.subscales:
        answered = _answered([by_id[i] for i in subscale.items], values)
        needed = subscale.min_answered or len(subscale.items)
        if len(answered.items) < needed:
            raise InstrumentError(
                f"{_listing(definition, answered.missing)}: unanswered; the {subscale.name} "
                f"subscale needs at least {needed} of {len(subscale.items)} answered"
            )
        if subscale.rule == "sum":
            results[subscale.name] = sum(answered.points)
        else:
            mean = Fraction(sum(answered.points), len(answered.points))
            results[subscale.name] = rounded(mean, subscale.decimals)
    return results


def _target(
    target: str,
    score: Number,
    t_score: float | None,
    subscales: Mapping[str, Number | None],
    values: Mapping[str, int | None],
) -> Number | None:
    kind, _, name = target.partition(":")
    if kind == "score":
        return score
    if kind == "t_score":
        return t_score
    if kind == "subscale":
        return subscales[name]
    if kind == "item":
        return values[name]
    raise ValueError(f"unknown condition target {target!r}")


@dataclass(frozen=True, slots=True)
class _Total:
    score: Number
    prorated: bool = False
    band: str | None = None  # set when the rule itself decides the band (Opioid Risk Tool)


def _total(
    definition: Definition,
    answered: _Answered,
    subscales: Mapping[str, Number | None],
    sex: str | None,
) -> _Total:
    rule = definition.scoring_rule
    points = answered.points
    if rule == "sum":
        return _Total(sum(points))
    if rule == "mean":
        mean = Fraction(sum(points), len(points))
        return _Total(rounded(mean, int(definition.scoring.get("decimals", 2))))
    if rule == "subscale":
        value = subscales[str(definition.scoring["subscale"])]
        if value is None:
            raise ValueError(f"{definition.id}: the scored subscale has no value")
        return _Total(value)
    if rule == "percent_of_maximum":
        possible = sum(item.max for item in answered.items)
        percent = Fraction(sum(points) * 100, possible)
        return _Total(rounded(percent, int(definition.scoring.get("decimals", 1))))
    if rule == "promis_summed_score":
        raw, answered_count, total = sum(points), len(points), len(definition.items)
        if answered_count == total:
            return _Total(raw)
        # HealthMeasures: raw sum x items on the form / items answered, rounded up.
        return _Total(math.ceil(Fraction(raw * total, answered_count)), prorated=True)
    if rule == "opioid_risk_tool":
        yes = {item.id: points == 1 for item, points in zip(answered.items, points, strict=True)}
        result = opioid_risk_tool("female" if sex == "female" else "male", yes)
        return _Total(result.score, band=result.band)
    raise ValueError(f"{definition.id}: unknown scoring rule {rule!r}")


def _t_score(definition: Definition, raw: Number) -> float | None:
    if definition.t_score is None or definition.t_score.table is None:
        return None
    return definition.t_score.table[int(raw)]


def _item_flags(definition: Definition, values: Mapping[str, int | None]) -> tuple[Flag, ...]:
    return tuple(
        Flag(f.code, f.severity, f.text)
        for f in definition.flags
        if f.when.target.startswith("item:")
        and f.when.holds(values[f.when.target.partition(":")[2]])
    )


def item_flags(instrument_id: str, answers: Answers) -> tuple[Flag, ...]:
    """The flags raised by single items (e.g. PHQ-9 item 9 above 0), from range-checked answers
    that may be incomplete: for alerting on a questionnaire that cannot be scored."""
    found = definition(instrument_id)
    checked = checked_answers(found, answers)
    return _item_flags(found, dict(zip((item.id for item in found.items), checked, strict=True)))


def score_definition(
    definition: Definition, answers: Answers, *, sex: str | None = None
) -> ScoreResult:
    """Score `answers` against an already loaded definition (see `score`)."""
    if definition.requires_sex and sex not in ("female", "male"):
        raise InstrumentError(
            f"{definition.short_name} needs sex (female or male): its items are weighted by sex"
        )
    checked = checked_answers(definition, answers)
    values = {item.id: value for item, value in zip(definition.items, checked, strict=True)}
    answered = _answered(definition.items, values)
    try:
        _check_missing(definition, answered)
        subscales = _subscales(definition, values)
    except InstrumentError as refusal:
        raised = _item_flags(definition, values)
        if not raised:
            raise
        raise InstrumentError(str(refusal), flags=raised) from refusal
    total = _total(definition, answered, subscales, sex)
    t_score = _t_score(definition, total.score)

    def holds(condition: Condition | None) -> bool:
        if condition is None:
            return True
        return condition.holds(_target(condition.target, total.score, t_score, subscales, values))

    band = total.band or next((b.band for b in definition.bands if holds(b.when)), None)
    flags = [Flag(f.code, f.severity, f.text) for f in definition.flags if holds(f.when)]
    t_table = definition.t_score
    if t_table is not None and t_table.table is None:
        note = t_table.note or "T-score table not available in this release"
        flags.append(Flag("t_score_unavailable", "info", note))
    elif t_table is not None and not t_table.verified and t_score is not None:
        note = t_table.note or "T-score from a derived table not checked against the manual"
        flags.append(Flag("t_score_unverified", "info", note))
    return ScoreResult(
        instrument=definition.id,
        version=definition.version,
        score=total.score,
        band=band,
        subscales=MappingProxyType(subscales),
        flags=tuple(flags),
        t_score=t_score,
        has_t_score=definition.t_score is not None,
        answered=len(answered.items),
        prorated=total.prorated,
        t_score_verified=None if t_score is None or t_table is None else t_table.verified,
    )


def score(instrument_id: str, answers: Answers, *, sex: str | None = None) -> ScoreResult:
    """Score one completed questionnaire.

    `answers` is a sequence in item order (None = unanswered) or a mapping item id -> answer.
    Out-of-range, non-integer or (unless the instrument's manual says how to score without them)
    missing answers raise `InstrumentError` naming the item. `sex` ("female" or "male") is needed
    by the Opioid Risk Tool only.
    """
    return score_definition(definition(instrument_id), answers, sex=sex)


def t_score(instrument_id: str, raw_score: int) -> float:
    """The T-score for a PROMIS raw summed score; forms without a table refuse. A derived table
    not checked against the manual (6a, 6b) still answers: `definition(...).t_score.verified`
    says so, and `score` marks its results."""
    found = definition(instrument_id)
    if found.t_score is None:
        raise InstrumentError(f"{found.short_name} has no T-score metric")
    if found.t_score.table is None:
        raise InstrumentError(
            f"{found.short_name}: T-score table not available in this release (raw score only)"
        )
    if raw_score not in found.t_score.table:
        low, high = min(found.t_score.table), max(found.t_score.table)
        raise InstrumentError(f"{found.short_name}: raw score {raw_score} is outside {low}-{high}")
    return found.t_score.table[raw_score]
