"""The CY 2026 remote-monitoring codes, loaded once from `knowledge/cpt_2026.json`.

Thresholds, code families, mutually exclusive sets and their source live in the data file; the
decision code in `codes.py` reads them from here and hard-codes none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class CodeRule:
    """One CPT code and the thresholds painpath applies to it."""

    code: str
    kind: str  # setup | device | management | add-on
    family: str  # RPM | RTM
    description: str
    per: str  # episode of care | 30-day period | calendar month
    min_data_days: int | None = None
    max_data_days: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    unit_minutes: int | None = None
    addon_to: str | None = None
    requires_interactive: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ProgramRule:
    """Which codes a program (RPM, RTM-MSK, …) bills and whether self-reported data count."""

    name: str
    title: str
    self_report_allowed: bool
    setup: str
    device: tuple[str, ...]
    management_first_10: str
    management_first_20: str
    management_addon_20: str


@dataclass(frozen=True, slots=True)
class Exclusion:
    codes: frozenset[str]
    why: str


@dataclass(frozen=True, slots=True)
class BillingKnowledge:
    version: str
    effective: str
    source: str
    retrieved: str
    programs: Mapping[str, ProgramRule]
    codes: Mapping[str, CodeRule]
    exclusions: tuple[Exclusion, ...]
    programs_exclusive: str

    def describe(self) -> dict[str, str]:
        return {
            "version": self.version,
            "effective": self.effective,
            "source": self.source,
            "retrieved": self.retrieved,
        }


def _load() -> Any:
    text = (
        resources.files("painpath.monitoring.billing")
        .joinpath("knowledge", "cpt_2026.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


@cache
def billing_knowledge() -> BillingKnowledge:
    """The code table, programs and exclusions (CMS CY 2026 PFS final rule)."""
    raw = _load()
    programs = {
        name: ProgramRule(
            name=name,
            title=p["name"],
            self_report_allowed=p["self_report_allowed"],
            setup=p["setup"],
            device=tuple(p["device"]),
            management_first_10=p["management_first_10"],
            management_first_20=p["management_first_20"],
            management_addon_20=p["management_addon_20"],
        )
        for name, p in raw["programs"].items()
    }
    codes = {code: CodeRule(code=code, **fields) for code, fields in raw["codes"].items()}
    return BillingKnowledge(
        version=raw["version"],
        effective=raw["effective"],
        source=raw["source"],
        retrieved=raw["retrieved"],
        programs=MappingProxyType(programs),
        codes=MappingProxyType(codes),
        exclusions=tuple(
            Exclusion(frozenset(e["codes"]), e["why"]) for e in raw["mutually_exclusive"]
        ),
        programs_exclusive=raw["programs_exclusive"],
    )
