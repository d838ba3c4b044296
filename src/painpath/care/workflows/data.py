"""The therapy-workflow knowledge, read from `knowledge/*.json` and validated once per process.

Four files, each with a `version` and named `sources`: biologic screening and monitoring
(`screening.json`), neurostimulation candidacy, trial and programming (`neurostimulation.json`),
regenerative contraindications and evidence status (`regenerative.json`), and outcome
instruments with responder rules and assessment times (`outcomes.json`). A malformed file raises
`KnowledgeError` naming the file and the entry, so a bad release fails at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from painpath.care.knowledge import KnowledgeError, knowledge

FILES = ("screening.json", "neurostimulation.json", "regenerative.json", "outcomes.json")
#: Each responder rule and the thresholds its instruments must give (outcomes.json).
RULES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "immpact": frozenset({"moderate_percent", "substantial_percent"}),
        "scs": frozenset({"substantial_percent"}),
        "odi": frozenset({"points", "percent"}),
        "omeract_oarsi": frozenset(
            {
                "high_percent",
                "high_points",
                "moderate_percent",
                "moderate_points",
                "moderate_domains",
            }
        ),
        "acr": frozenset({"core_measures_needed"}),
        "das28": frozenset({"large_drop", "small_drop", "good_max", "moderate_max"}),
        "asas": frozenset(
            {"asas20_percent", "asas20_units", "asas40_percent", "asas40_units", "domains_needed"}
        ),
        "asdas": frozenset({"important", "major", "inactive_below", "low_below", "high_max"}),
        "migraine": frozenset({"responder_percent", "partial_percent"}),
    }
)


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One screening or candidacy item: the results that allow going on, and how long they hold."""

    id: str
    label: str
    valid_days: int
    source: str
    results: Mapping[str, bool]
    products: frozenset[str] | None  # only for these products (e.g. erenumab), else all

    def acceptable(self, result: str) -> bool:
        return self.results.get(result, False)


@dataclass(frozen=True, slots=True)
class MonitoringItem:
    what: str
    first_weeks: int
    every_weeks: int
    source: str


@dataclass(frozen=True, slots=True)
class BiologicClass:
    therapy: str
    products: tuple[str, ...]
    items: tuple[CheckItem, ...]
    monitoring: tuple[MonitoringItem, ...]

    def items_for(self, product: str | None) -> tuple[CheckItem, ...]:
        return tuple(
            i
            for i in self.items
            if i.products is None or (product is not None and product in i.products)
        )


@dataclass(frozen=True, slots=True)
class TrialRule:
    success_relief_percent: float
    minimum_daily_entries: int
    maximum_days: int
    source: str


@dataclass(frozen=True, slots=True)
class ProgrammingLimits:
    waveforms: tuple[str, ...]
    frequency_hz: tuple[float, float]
    pulse_width_us: tuple[float, float]
    amplitude_ma: tuple[float, float]
    source: str


@dataclass(frozen=True, slots=True)
class Contraindication:
    id: str
    label: str
    absolute: bool
    source: str
    therapies: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class EvidenceStatus:
    """What a clinician must read and acknowledge before the first regenerative injection."""

    therapy: str
    status: str  # "not_recommended" or "investigational"
    statement: str
    sources: tuple[str, ...]
    products: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InjectionLimits:
    guidance: tuple[str, ...]
    activation: tuple[str, ...]
    volume_ml: tuple[float, float]
    source: str


@dataclass(frozen=True, slots=True)
class Field:
    id: str
    label: str
    minimum: float
    maximum: float
    integer: bool


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    name: str
    rule: str
    source: str
    fields: tuple[Field, ...]
    thresholds: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class AssessmentPlan:
    instruments: tuple[str, ...]
    after_weeks: tuple[int, ...]
    then_every_weeks: int


@dataclass(frozen=True, slots=True)
class WorkflowKnowledge:
    versions: Mapping[str, str]
    biologics: Mapping[str, BiologicClass]
    neurostimulation: frozenset[str]
    candidacy: tuple[CheckItem, ...]
    trial: TrialRule
    programming: ProgrammingLimits
    regenerative: Mapping[str, EvidenceStatus]
    contraindications: tuple[Contraindication, ...]
    injection: InjectionLimits
    instruments: Mapping[str, Instrument]
    plans: Mapping[str, AssessmentPlan]
    default_plan: AssessmentPlan

    def describe(self) -> dict[str, Any]:
        """The version of each knowledge file, as recorded with every result."""
        return {"files": dict(self.versions)}

    def plan_for(self, therapy: str) -> AssessmentPlan:
        return self.plans.get(therapy, self.default_plan)

    def contraindications_for(self, therapy: str) -> tuple[Contraindication, ...]:
        return tuple(
            c for c in self.contraindications if c.therapies is None or therapy in c.therapies
        )


def _need(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise KnowledgeError(f"{where}: {message}")


def _read(name: str) -> Any:
    raw = resources.files("painpath.care.workflows").joinpath("knowledge", name).read_bytes()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise KnowledgeError(f"{name}: not JSON ({error})") from error
    _need(bool(data.get("version")) and bool(data.get("sources")), name, "a version and sources")
    return data


def _source(sources: Mapping[str, str], key: Any, where: str) -> str:
    _need(key in sources, where, f"unknown source {key!r}")
    return sources[key]


def _check_items(
    raw: Mapping[str, Any], sources: Mapping[str, str], where: str
) -> dict[str, CheckItem]:
    items = {}
    for item_id, item in raw.items():
        at = f"{where} {item_id}"
        results = item.get("results") or {}
        _need(any(results.values()) and not all(results.values()), at, "results that pass and fail")
        _need(
            isinstance(item.get("valid_days"), int) and 0 < item["valid_days"] <= 730,
            at,
            "valid_days",
        )
        products = item.get("products")
        items[item_id] = CheckItem(
            id=item_id,
            label=item["label"],
            valid_days=item["valid_days"],
            source=_source(sources, item.get("source"), at),
            results=MappingProxyType(dict(results)),
            products=frozenset(products) if products else None,
        )
    return items


def _biologics(data: Any) -> dict[str, BiologicClass]:
    sources = data["sources"]
    items = _check_items(data["items"], sources, "screening.json item")
    therapies = knowledge().therapies
    found = {}
    for therapy, c in data["classes"].items():
        at = f"screening.json class {therapy}"
        _need(
            therapy in therapies and therapies[therapy].family == "biologic",
            at,
            "a biologic therapy",
        )
        _need(all(i in items for i in c["items"]), at, "unknown item")
        monitoring = tuple(
            MonitoringItem(
                m["what"], m["first_weeks"], m["every_weeks"], _source(sources, m["source"], at)
            )
            for m in c["monitoring"]
        )
        _need(
            all(0 < m.first_weeks <= 104 and 0 < m.every_weeks <= 104 for m in monitoring),
            at,
            "weeks",
        )
        found[therapy] = BiologicClass(
            therapy, tuple(c["products"]), tuple(items[i] for i in c["items"]), monitoring
        )
    return found


def _outcomes(data: Any) -> tuple[dict[str, Instrument], dict[str, AssessmentPlan], AssessmentPlan]:
    sources = data["sources"]
    instruments = {}
    for iid, i in data["instruments"].items():
        at = f"outcomes.json instrument {iid}"
        _need(i.get("rule") in RULES, at, f"unknown rule {i.get('rule')!r}")
        thresholds = i.get("thresholds") or {}
        _need(set(thresholds) == RULES[i["rule"]], at, f"thresholds {sorted(RULES[i['rule']])}")
        _need(all(isinstance(v, int | float) and v > 0 for v in thresholds.values()), at, "> 0")
        fields = tuple(
            Field(fid, f["label"], float(f["min"]), float(f["max"]), bool(f["integer"]))
            for fid, f in i["fields"].items()
        )
        _need(all(f.minimum < f.maximum for f in fields), at, "min below max")
        instruments[iid] = Instrument(
            iid,
            i["name"],
            i["rule"],
            _source(sources, i["source"], at),
            fields,
            MappingProxyType({k: float(v) for k, v in thresholds.items()}),
        )

    def plan(raw: Any, at: str) -> AssessmentPlan:
        _need(all(i in instruments for i in raw["instruments"]), at, "unknown instrument")
        weeks = tuple(raw["after_weeks"])
        _need(list(weeks) == sorted(set(weeks)) and all(0 < w <= 260 for w in weeks), at, "weeks")
        return AssessmentPlan(tuple(raw["instruments"]), weeks, int(raw["then_every_weeks"]))

    therapies = knowledge().therapies
    plans = {}
    for therapy, raw in data["courses"].items():
        _need(therapy in therapies, f"outcomes.json course {therapy}", "unknown therapy")
        plans[therapy] = plan(raw, f"outcomes.json course {therapy}")
    return instruments, plans, plan(data["default_course"], "outcomes.json default_course")


@cache
def workflow_knowledge() -> WorkflowKnowledge:
    """The validated workflow knowledge (cached for the process)."""
    screening, neuro, regen, outcomes = (_read(name) for name in FILES)
    therapies = knowledge().therapies
    _need(all(t in therapies for t in neuro["therapies"]), "neurostimulation.json", "therapies")
    trial = neuro["trial"]
    prog = neuro["programming"]
    regen_sources = regen["sources"]
    statuses = {}
    for therapy, s in regen["therapies"].items():
        at = f"regenerative.json therapy {therapy}"
        _need(therapy in therapies and therapies[therapy].family == "regenerative", at, "therapy")
        _need(s["status"] in ("not_recommended", "investigational"), at, "status")
        statuses[therapy] = EvidenceStatus(
            therapy,
            s["status"],
            s["statement"],
            tuple(_source(regen_sources, k, at) for k in s["sources"]),
            tuple(s["products"]),
        )
    contraindications = tuple(
        Contraindication(
            cid,
            c["label"],
            c["kind"] == "absolute",
            _source(regen_sources, c["source"], f"regenerative.json {cid}"),
            frozenset(c["therapies"]) if c.get("therapies") else None,
        )
        for cid, c in regen["contraindications"].items()
    )
    injection = regen["injection"]
    instruments, plans, default_plan = _outcomes(outcomes)
    return WorkflowKnowledge(
        versions=MappingProxyType(
            {
                n: d["version"]
                for n, d in zip(FILES, (screening, neuro, regen, outcomes), strict=True)
            }
        ),
        biologics=MappingProxyType(_biologics(screening)),
        neurostimulation=frozenset(neuro["therapies"]),
        candidacy=tuple(
            _check_items(neuro["candidacy"], neuro["sources"], "neurostimulation.json").values()
        ),
        trial=TrialRule(
            float(trial["success_relief_percent"]),
            int(trial["minimum_daily_entries"]),
            int(trial["maximum_days"]),
            _source(neuro["sources"], trial["source"], "neurostimulation.json trial"),
        ),
        programming=ProgrammingLimits(
            tuple(prog["waveforms"]),
            (float(prog["frequency_hz"][0]), float(prog["frequency_hz"][1])),
            (float(prog["pulse_width_us"][0]), float(prog["pulse_width_us"][1])),
            (float(prog["amplitude_ma"][0]), float(prog["amplitude_ma"][1])),
            _source(neuro["sources"], prog["source"], "neurostimulation.json programming"),
        ),
        regenerative=MappingProxyType(statuses),
        contraindications=contraindications,
        injection=InjectionLimits(
            tuple(injection["guidance"]),
            tuple(injection["activation"]),
            (float(injection["volume_ml"][0]), float(injection["volume_ml"][1])),
            _source(regen_sources, injection["source"], "regenerative.json injection"),
        ),
        instruments=MappingProxyType(instruments),
        plans=MappingProxyType(plans),
        default_plan=default_plan,
    )
