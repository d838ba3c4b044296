"""painpath's opioid-safety knowledge, loaded once from the package's `knowledge/` files.

Every file is data with source, version and retrieval date (listed with checksums in
`knowledge/manifest.json`): MME conversion factor tables (CDC 2022, CDC 2016), rule thresholds
and alert wording, the HHS 2019 taper parameters and the Opioid Risk Tool. Nothing here reads
outside the installed package.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any


def load_knowledge(name: str) -> Any:
    """One file of `painpath/opioids/knowledge/`, parsed."""
    return json.loads(
        resources.files("painpath.opioids").joinpath("knowledge", name).read_text(encoding="utf-8")
    )


_MANIFEST = load_knowledge("manifest.json")
KNOWLEDGE_VERSION: str = _MANIFEST["knowledge_version"]


class FactorTableName(StrEnum):
    """Which MME conversion table to apply; CDC 2022 is painpath's default."""

    cdc2022 = "cdc2022"
    cdc2016 = "cdc2016"


@dataclass(frozen=True, slots=True)
class MethadoneTier:
    """A factor for methadone daily doses up to `up_to_mg_per_day` (None: no upper bound)."""

    up_to_mg_per_day: Decimal | None
    factor: Decimal


@dataclass(frozen=True, slots=True)
class FactorTable:
    """One named, versioned table of MME conversion factors.

    `oral_mg` is MME per mg/day of an oral form; `transdermal_mcg_per_h` is MME per mcg/h of a
    patch; `methadone_tiers`, when present, replace a single methadone factor (CDC 2016).
    `excluded` lists ingredients deliberately left out of totals, with the reason.
    """

    name: FactorTableName
    version: str
    source: str
    url: str
    retrieved: str
    oral_mg: Mapping[str, Decimal]
    methadone_tiers: tuple[MethadoneTier, ...]
    transdermal_mcg_per_h: Mapping[str, Decimal]
    excluded: Mapping[str, str]

    def describe(self) -> dict[str, str]:
        """Table name, version, source and URL, as recorded in every result."""
        return {
            "table": self.name.value,
            "version": self.version,
            "source": self.source,
            "url": self.url,
            "retrieved": self.retrieved,
        }


@cache
def factor_table(name: FactorTableName | str = FactorTableName.cdc2022) -> FactorTable:
    """The MME conversion table `name` (cdc2022 or cdc2016); a misspelt name raises ValueError."""
    key = FactorTableName(name)
    raw = load_knowledge("mme_factors.json")["tables"][key.value]
    return FactorTable(
        name=key,
        version=raw["version"],
        source=raw["source"],
        url=raw["url"],
        retrieved=raw["retrieved"],
        oral_mg=MappingProxyType({k: Decimal(v) for k, v in raw["oral_mg"].items()}),
        methadone_tiers=tuple(
            MethadoneTier(
                None if tier["up_to_mg_per_day"] is None else Decimal(tier["up_to_mg_per_day"]),
                Decimal(tier["factor"]),
            )
            for tier in raw["methadone_tiers"]
        ),
        transdermal_mcg_per_h=MappingProxyType(
            {k: Decimal(v) for k, v in raw["transdermal_mcg_per_h"].items()}
        ),
        excluded=MappingProxyType(dict(raw["excluded"])),
    )


@dataclass(frozen=True, slots=True)
class AlertText:
    """Fixed wording and provenance of one alert code."""

    code: str
    kind: str  # "recommendation" (suppressed by exclusions), "calculation" or "scope"
    severity: str  # info | warning | critical
    summary: str  # a template with {named} fields, ≤ 140 characters once filled
    detail: str
    guideline: str
    recommendation: str
    url: str


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Rule thresholds and lookbacks (CDC 2022 as the HL7 IG configures them)."""

    adult_age: int
    mme_warning: Decimal
    mme_high: Decimal
    acute_supply_max_days: int
    long_term_supply_days: int
    udt_lookback_days: int
    pdmp_lookback_days: int
    benefit_risk_lookback_days: int
    benefit_risk_recent_days_window: int  # rec 7: opioids on ≥ min of the last `window` days …
    benefit_risk_recent_days_min: int
    benefit_risk_monthly_days_min: int  # … or on ≥ this many of 30 days in each of 3 months
    nonopioid_plan_lookback_days: int  # rec 2: pain plan or procedure by the prescriber
    oud_recorded_lookback_days: int  # rec 12: OUD recorded this recently
    moud_rx_lookback_days: int  # rec 12: no MOUD prescription this recently
    cannabinoid_screening: bool


@dataclass(frozen=True, slots=True)
class UdtSubstance:
    """What prescribed ingredients or drug classes explain a positive test for a substance."""

    ingredients: frozenset[str]
    classes: frozenset[str]


@dataclass(frozen=True, slots=True)
class RuleKnowledge:
    version: str
    source: str
    thresholds: Thresholds
    naloxone_ingredients: frozenset[str]
    cns_depressant_classes: frozenset[str]
    udt_substances: Mapping[str, UdtSubstance]
    alerts: Mapping[str, AlertText]


@cache
def rule_knowledge() -> RuleKnowledge:
    """Thresholds, value lists and alert wording for the opioid rules."""
    raw = load_knowledge("rules.json")
    t = raw["thresholds"]
    guidelines = raw["guidelines"]
    alerts = {
        code: AlertText(
            code=code,
            kind=a["kind"],
            severity=a["severity"],
            summary=a["summary"],
            detail=a["detail"],
            guideline=guidelines[a["guideline"]]["name"],
            recommendation=a["recommendation"],
            url=guidelines[a["guideline"]]["url"],
        )
        for code, a in raw["alerts"].items()
    }
    return RuleKnowledge(
        version=raw["version"],
        source=raw["source"],
        thresholds=Thresholds(
            adult_age=t["adult_age"],
            mme_warning=Decimal(t["mme_warning"]),
            mme_high=Decimal(t["mme_high"]),
            acute_supply_max_days=t["acute_supply_max_days"],
            long_term_supply_days=t["long_term_supply_days"],
            udt_lookback_days=t["udt_lookback_days"],
            pdmp_lookback_days=t["pdmp_lookback_days"],
            benefit_risk_lookback_days=t["benefit_risk_lookback_days"],
            benefit_risk_recent_days_window=t["benefit_risk_recent_days_window"],
            benefit_risk_recent_days_min=t["benefit_risk_recent_days_min"],
            benefit_risk_monthly_days_min=t["benefit_risk_monthly_days_min"],
            nonopioid_plan_lookback_days=t["nonopioid_plan_lookback_days"],
            oud_recorded_lookback_days=t["oud_recorded_lookback_days"],
            moud_rx_lookback_days=t["moud_rx_lookback_days"],
            cannabinoid_screening=t["cannabinoid_screening"],
        ),
        naloxone_ingredients=frozenset(raw["naloxone_ingredients"]),
        cns_depressant_classes=frozenset(raw["cns_depressant_classes"]),
        udt_substances=MappingProxyType(
            {
                name: UdtSubstance(frozenset(s["ingredients"]), frozenset(s["classes"]))
                for name, s in raw["udt_substances"].items()
            }
        ),
        alerts=MappingProxyType(alerts),
    )
