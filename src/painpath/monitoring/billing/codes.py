"""Which RPM/RTM codes a 30-day period and calendar month support, with the evidence for each
and the reason for each code that is not billable (CMS CY 2026 PFS; thresholds in knowledge/)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from painpath.kit.text import counted
from painpath.monitoring.billing.knowledge import CodeRule, ProgramRule, billing_knowledge

MAX_PERIOD_DAYS = 30


@dataclass(frozen=True, slots=True)
class BillableCode:
    code: str
    units: int
    description: str
    evidence: str

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "units": self.units,
            "description": self.description,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class Refusal:
    """A code not billable, and why (`code` None: the whole program is refused)."""

    code: str | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class BillingDecision:
    program: str
    codes: tuple[BillableCode, ...]
    refused: tuple[Refusal, ...]
    knowledge_version: str

    def code_units(self) -> dict[str, int]:
        """`{code: units}`, handy in tests and claim exports."""
        return {c.code: c.units for c in self.codes}

    def as_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "codes": [c.as_json() for c in self.codes],
            "refused": [r.as_json() for r in self.refused],
            "knowledge": billing_knowledge().describe(),
        }


def program_rule(program: str) -> ProgramRule:
    """The program `program` (RPM, RTM-MSK, RTM-RESP, RTM-CBT); anything else raises ValueError."""
    programs = billing_knowledge().programs
    if program not in programs:
        raise ValueError(f"unknown program {program!r}; one of {', '.join(programs)}")
    return programs[program]


def exclusive_conflicts(codes: Iterable[str]) -> list[str]:
    """Why codes in `codes` may not be billed together (empty when they may)."""
    chosen = set(codes)
    return [e.why for e in billing_knowledge().exclusions if len(e.codes & chosen) > 1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _setup(rule: CodeRule, data_days: int, first_period: bool) -> BillableCode | Refusal:
    if not first_period:
        return Refusal(
            rule.code, f"{rule.code} is billed once per episode of care: not its first period"
        )
    floor = rule.min_data_days or 0
    if data_days < floor:
        return Refusal(
            rule.code,
            f"{rule.code} needs ≥ {floor} days with data in the first period; "
            f"{_plural(data_days, 'day')}",
        )
    return BillableCode(
        rule.code,
        1,
        rule.description,
        f"first period of the episode, {_plural(data_days, 'day')} with data ≥ {floor} "
        f"→ {rule.code}",
    )


def _device(rules: list[CodeRule], data_days: int) -> BillableCode | Refusal:
    for rule in rules:
        low, high = rule.min_data_days or 0, rule.max_data_days or MAX_PERIOD_DAYS
        if low <= data_days <= high:
            return BillableCode(
                rule.code,
                1,
                rule.description,
                f"{_plural(data_days, 'day')} with data in the 30-day period, "
                f"within {low}-{high} → {rule.code}",
            )
    lowest = min(rules, key=lambda r: r.min_data_days or 0)
    return Refusal(
        lowest.code,
        f"{lowest.code} needs ≥ {lowest.min_data_days} days with data in the 30-day period; "
        f"{_plural(data_days, 'day')}",
    )


def _management(
    program: ProgramRule, minutes: int, interactive: bool
) -> list[BillableCode | Refusal]:
    codes = billing_knowledge().codes
    first_10 = codes[program.management_first_10]
    first_20 = codes[program.management_first_20]
    addon = codes[program.management_addon_20]
    floor = first_10.min_minutes or 0
    if minutes < floor:
        return [
            Refusal(
                first_10.code,
                f"{first_10.code} needs ≥ {floor} minutes; {counted(minutes, 'minute')} logged",
            )
        ]
    base = first_20 if minutes >= (first_20.min_minutes or 0) else first_10
    if not interactive:
        return [
            Refusal(
                base.code,
                f"{base.code} needs at least one real-time interactive communication "
                "(audio or video) with the patient in the month",
            )
        ]
    if base is first_10:
        return [
            BillableCode(
                base.code,
                1,
                base.description,
                f"{counted(minutes, 'minute')} in the month within {first_10.min_minutes}-"
                f"{first_10.max_minutes}, with an interactive communication → {base.code}",
            )
        ]
    result: list[BillableCode | Refusal] = [
        BillableCode(
            base.code,
            1,
            base.description,
            f"{counted(minutes, 'minute')} in the month ≥ {first_20.min_minutes}, "
            f"with an interactive communication → {base.code}",
        )
    ]
    step = addon.unit_minutes or 20
    extra = minutes - (first_20.min_minutes or 0)
    units = extra // step
    if units:
        result.append(
            BillableCode(
                addon.code,
                units,
                addon.description,
                f"{counted(extra, 'minute')} beyond the first {first_20.min_minutes} = "
                f"{_plural(units, 'full block')} of {step} → {addon.code} × {units}",
            )
        )
    else:
        result.append(
            Refusal(
                addon.code,
                f"{addon.code} needs a further full {step} minutes; {extra} beyond the first "
                f"{first_20.min_minutes}",
            )
        )
    return result


def _against_billed(
    found: BillableCode | Refusal, billed: frozenset[str], refused: set[str]
) -> BillableCode | Refusal:
    """Refuse a code already billed this period, or one excluded by a code already billed."""
    if isinstance(found, Refusal):
        return found
    rule = billing_knowledge().codes[found.code]
    if found.code in billed:
        return Refusal(found.code, f"{found.code} is already billed for this {rule.per}")
    for exclusion in billing_knowledge().exclusions:
        if found.code in exclusion.codes and exclusion.codes & billed:
            other = sorted(exclusion.codes & billed)[0]
            return Refusal(
                found.code, f"{found.code} not with {other} (already billed): {exclusion.why}"
            )
    if rule.addon_to is not None and rule.addon_to in refused:
        return Refusal(
            found.code, f"{found.code} is an add-on to {rule.addon_to}, which is refused"
        )
    return found


def billable_codes(
    program: str,
    *,
    data_days: int,
    minutes: int,
    interactive: bool,
    first_period: bool,
    already_billed: Iterable[str] = (),
) -> BillingDecision:
    """The codes one 30-day period (`data_days`) and calendar month (`minutes`) support.

    `data_days` are distinct days with ≥ 1 qualifying reading (see `period_ledger`); `minutes` the
    treatment-management time logged in the month; `interactive` whether it included a real-time
    interactive communication; `first_period` whether this is the episode's first period.
    `already_billed` are codes billed for this patient and period by anyone: a code of the other
    program refuses everything (RPM and RTM are not billed together), a code already billed or
    excluded by one already billed is refused. Rules: CMS CY 2026 PFS, via knowledge/cpt_2026.json.
    """
    rule = program_rule(program)
    if not 0 <= data_days <= MAX_PERIOD_DAYS:
        raise ValueError(
            f"data_days must be 0-{MAX_PERIOD_DAYS} in a 30-day period, not {data_days}"
        )
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, not {minutes}")
    knowledge = billing_knowledge()
    family = knowledge.codes[rule.setup].family
    billed = frozenset(already_billed)
    unknown = sorted(billed - set(knowledge.codes))
    if unknown:
        raise ValueError(f"unknown code in already_billed: {unknown[0]}")
    other = sorted(c for c in billed if knowledge.codes[c].family != family)
    if other:
        reason = f"{knowledge.programs_exclusive}: {other[0]} is already billed"
        return BillingDecision(program, (), (Refusal(None, reason),), knowledge.version)
    found = [
        _setup(knowledge.codes[rule.setup], data_days, first_period),
        _device([knowledge.codes[c] for c in rule.device], data_days),
        *_management(rule, minutes, interactive),
    ]
    checked: list[BillableCode | Refusal] = []
    refused_codes: set[str] = set()
    for item in found:
        item = _against_billed(item, billed, refused_codes)
        if isinstance(item, Refusal) and item.code is not None:
            refused_codes.add(item.code)
        checked.append(item)
    codes = tuple(c for c in checked if isinstance(c, BillableCode))
    conflicts = exclusive_conflicts(c.code for c in codes)
    if conflicts:  # the tiers above cannot produce this; a data-file error would
        raise RuntimeError(f"billing knowledge produced exclusive codes: {conflicts}")
    return BillingDecision(
        program,
        codes,
        tuple(r for r in checked if isinstance(r, Refusal)),
        knowledge.version,
    )
