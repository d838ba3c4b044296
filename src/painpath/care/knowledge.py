"""painpath's care knowledge, read from `knowledge/` and validated once per process.

One file per condition (`conditions/<id>.json`: codes and graded recommendations), the therapy
catalogue (`therapies.json`), the guidelines cited (`guidelines.json`), the personalization
rules' wording, thresholds and sources (`safety_rules.json`) and the names a request may use
(`vocabulary.json`). `manifest.json` lists every file with its sha256. A malformed file raises
`KnowledgeError` naming the file and the entry, so a bad release fails at start-up, not mid-request.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any, Literal

Strength = Literal[
    "strong_for",
    "conditional_for",
    "conditional_against",
    "strong_against",
    "research_only",
    "consensus",
    "authorized_not_graded",
]
#: what kind of document a source is: a graded guideline (or technology appraisal or consensus
#: statement), a systematic review's conclusion, or a regulator's market authorization
SourceKind = Literal["guideline", "evidence_review", "regulatory"]
SOURCE_KINDS: tuple[str, ...] = ("guideline", "evidence_review", "regulatory")
Line = Literal["first", "second", "third", "interventional", "not_recommended"]
Jurisdiction = Literal["US", "UK", "INT"]
Effect = Literal["exclude", "caution", "flag"]
Severity = Literal["info", "warning", "critical"]

STRENGTHS: tuple[str, ...] = (
    "strong_for",
    "conditional_for",
    "conditional_against",
    "strong_against",
    "research_only",
    "consensus",
    "authorized_not_graded",
)
AGAINST = frozenset({"conditional_against", "strong_against"})
LINES: tuple[str, ...] = ("first", "second", "third", "interventional", "not_recommended")


class TherapyFamily(StrEnum):
    """The therapy families, one vocabulary for the knowledge, the output and the API.

    The first six are the families of multimodal pain care; `procedure` holds the graded
    injections, ablations and surgical referrals (intra-articular steroid, radiofrequency
    denervation, joint replacement referral), which the guidelines grade beside them but which
    belong to none of the six (docs/care.md, "Therapy families")."""

    medicine = "medicine"
    biologic = "biologic"
    neurostimulation = "neurostimulation"
    regenerative = "regenerative"
    digital = "digital"
    complementary = "complementary"
    procedure = "procedure"


FAMILIES: tuple[str, ...] = tuple(TherapyFamily)
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


class KnowledgeError(RuntimeError):
    """A knowledge file breaks the format (named in the message)."""


@dataclass(frozen=True, slots=True)
class Guideline:
    id: str
    name: str
    body: str
    year: int
    jurisdiction: Jurisdiction
    citation: str
    verify: bool
    kind: SourceKind


@dataclass(frozen=True, slots=True)
class Therapy:
    id: str
    name: str
    family: TherapyFamily
    classes: frozenset[str]
    ingredients: tuple[str, ...]
    adequate_trial_weeks: int | None


@dataclass(frozen=True, slots=True)
class Prerequisite:
    """Eligibility by therapies tried: `count` of `tried_class` failed (or the class is
    contraindicated, when `or_contraindicated_class` is set)."""

    tried_class: str
    count: int
    or_contraindicated_class: str | None


@dataclass(frozen=True, slots=True)
class Recommendation:
    therapy: str
    line: Line
    guideline: Guideline
    ref: str
    strength_raw: str
    strength: Strength
    requires: Prerequisite | None
    verify: bool
    note: str | None

    @property
    def against(self) -> bool:
        return self.strength in AGAINST

    def source_json(self) -> dict[str, Any]:
        g = self.guideline
        return {
            "guideline": g.id,
            "name": g.name,
            "year": g.year,
            "jurisdiction": g.jurisdiction,
            "kind": g.kind,
            "recommendation": self.ref,
            "citation": g.citation,
        }


@dataclass(frozen=True, slots=True)
class Condition:
    id: str
    name: str
    icd10cm: tuple[str, ...]
    snomed: tuple[str, ...]
    opioid_guideline_applies: bool
    notes: tuple[str, ...]
    recommendations: tuple[Recommendation, ...]
    verify: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    effect: Effect
    severity: Severity
    message: str
    source: str
    verify: bool


@dataclass(frozen=True, slots=True)
class Lab:
    id: str
    names: tuple[str, ...]
    qualitative: bool
    unit: str | None
    minimum: float | None
    maximum: float | None
    loinc: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    id: str
    name: str
    icd10cm: tuple[str, ...]
    snomed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Score:
    id: str
    name: str
    minimum: float
    maximum: float
    instrument: str | None


ReproductiveState = Literal["pregnant", "planning_pregnancy", "breastfeeding"]
REPRODUCTIVE_STATES: tuple[ReproductiveState, ...] = (
    "pregnant",
    "planning_pregnancy",
    "breastfeeding",
)


@dataclass(frozen=True, slots=True)
class StateCodes:
    """Condition codes in the stored record that set one of the request's reproductive flags."""

    state: ReproductiveState
    icd10cm: tuple[str, ...]
    snomed: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class StatusObservation:
    """An observation (by LOINC) whose latest coded answer sets or clears a reproductive flag."""

    id: str
    state: ReproductiveState
    loinc: tuple[str, ...]
    yes: frozenset[str]
    no: frozenset[str]
    unknown: frozenset[str]
    lookback_weeks: int
    source: str

    def answer(self, value: str) -> bool | Literal["unreadable"] | None:
        """True, False, None (unknown) or "unreadable" for a stored answer (code or text)."""
        text = value.strip().lower()
        if text in self.yes:
            return True
        if text in self.no:
            return False
        return None if text in self.unknown else "unreadable"


@dataclass(frozen=True, slots=True)
class Knowledge:
    version: str
    files: Mapping[str, Mapping[str, str]]
    guidelines: Mapping[str, Guideline]
    therapies: Mapping[str, Therapy]
    conditions: Mapping[str, Condition]
    rules: Mapping[str, Rule]
    thresholds: Mapping[str, float]
    labs: Mapping[str, Lab]
    qualitative_results: frozenset[str]
    problems: Mapping[str, Problem]
    scores: Mapping[str, Score]
    medicines: Mapping[str, frozenset[str]]
    reproductive_codes: Mapping[str, StateCodes]
    status_observations: Mapping[str, StatusObservation]

    def describe(self) -> dict[str, Any]:
        """The knowledge version and files, as recorded in every result."""
        return {"version": self.version, "files": {k: dict(v) for k, v in self.files.items()}}

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def threshold(self, name: str) -> float:
        return self.thresholds[name]


def _folder() -> Traversable:
    return resources.files("painpath.care").joinpath("knowledge")


def _read(name: str) -> tuple[Any, bytes]:
    raw = _folder().joinpath(name).read_bytes()
    try:
        return json.loads(raw), raw
    except json.JSONDecodeError as error:
        raise KnowledgeError(f"{name}: not JSON ({error})") from error


def _need(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise KnowledgeError(f"{where}: {message}")


def _snake(value: Any, where: str) -> str:
    _need(
        isinstance(value, str) and bool(SNAKE.match(value)), where, f"{value!r} is not snake_case"
    )
    return str(value)


def _guidelines(data: Any) -> dict[str, Guideline]:
    found = {}
    for gid, g in data["guidelines"].items():
        where = f"guidelines.json {gid}"
        _snake(gid, where)
        _need(g.get("jurisdiction") in ("US", "UK", "INT"), where, "jurisdiction US, UK or INT")
        _need(isinstance(g.get("year"), int) and 1990 <= g["year"] <= 2100, where, "a year")
        _need(bool(g.get("name")) and bool(g.get("citation")), where, "a name and a citation")
        kind = g.get("kind", "guideline")
        _need(kind in SOURCE_KINDS, where, f"kind must be one of {SOURCE_KINDS}")
        found[gid] = Guideline(
            gid,
            g["name"],
            g["body"],
            g["year"],
            g["jurisdiction"],
            g["citation"],
            g.get("verify", False),
            kind,
        )
    return found


def _therapies(data: Any) -> dict[str, Therapy]:
    _need(tuple(data["families"]) == FAMILIES, "therapies.json", f"families must be {FAMILIES}")
    found = {}
    for tid, t in data["therapies"].items():
        where = f"therapies.json {tid}"
        _snake(tid, where)
        _need(t.get("family") in FAMILIES, where, f"unknown family {t.get('family')!r}")
        for tag in t["classes"]:
            _snake(tag, where)
        weeks = t.get("adequate_trial_weeks")
        _need(weeks is None or (isinstance(weeks, int) and 0 < weeks <= 104), where, "weeks")
        found[tid] = Therapy(
            tid,
            t["name"],
            TherapyFamily(t["family"]),
            frozenset(t["classes"]),
            tuple(t["ingredients"]),
            weeks,
        )
    return found


def _recommendation(
    r: Any, where: str, guidelines: Mapping[str, Guideline], therapies: Mapping[str, Therapy]
) -> Recommendation:
    _need(r.get("therapy") in therapies, where, f"unknown therapy {r.get('therapy')!r}")
    _need(r.get("source") in guidelines, where, f"unknown guideline {r.get('source')!r}")
    _need(r.get("strength") in STRENGTHS, where, f"unknown strength {r.get('strength')!r}")
    _need(r.get("line") in LINES, where, f"unknown line {r.get('line')!r}")
    against = r["strength"] in AGAINST
    _need(against == (r["line"] == "not_recommended"), where, "against iff not_recommended")
    _need(bool(r.get("ref")) and bool(r.get("strength_raw")), where, "ref and strength_raw")
    regulatory = guidelines[r["source"]].kind == "regulatory"
    _need(
        regulatory == (r["strength"] == "authorized_not_graded"),
        where,
        "authorized_not_graded iff the source is a regulatory authorization",
    )
    _need(not r.get("verify") or bool(r.get("note")), where, "verify needs a note")
    req = r.get("requires")
    requires = None
    if req is not None:
        _need(isinstance(req.get("count"), int) and req["count"] > 0, where, "requires.count")
        requires = Prerequisite(
            _snake(req["tried_class"], where), req["count"], req.get("or_contraindicated_class")
        )
    return Recommendation(
        therapy=r["therapy"],
        line=r["line"],
        guideline=guidelines[r["source"]],
        ref=r["ref"],
        strength_raw=r["strength_raw"],
        strength=r["strength"],
        requires=requires,
        verify=bool(r.get("verify", False)),
        note=r.get("note"),
    )


def _condition(
    name: str, c: Any, guidelines: Mapping[str, Guideline], therapies: Mapping[str, Therapy]
) -> Condition:
    where = f"conditions/{name}"
    _need(f"{_snake(c.get('id'), where)}.json" == name, where, "file name must be <id>.json")
    codes = c["codes"]
    _need(bool(codes["icd10cm"]) and bool(codes["snomed"]), where, "ICD-10-CM and SNOMED codes")
    recs = tuple(
        _recommendation(r, f"{where} recommendation {i}", guidelines, therapies)
        for i, r in enumerate(c["recommendations"])
    )
    keys = [(r.therapy, r.guideline.id) for r in recs]
    _need(len(keys) == len(set(keys)), where, "one entry per therapy and guideline")
    return Condition(
        id=c["id"],
        name=c["name"],
        icd10cm=tuple(codes["icd10cm"]),
        snomed=tuple(codes["snomed"]),
        opioid_guideline_applies=c["opioid_guideline_applies"],
        notes=tuple(c.get("notes", ())),
        recommendations=recs,
        verify=bool(c.get("verify", False)),
        note=c.get("note"),
    )


def _rules(data: Any) -> dict[str, Rule]:
    found = {}
    for rid, r in data["rules"].items():
        where = f"safety_rules.json {rid}"
        _snake(rid, where)
        _need(r.get("effect") in ("exclude", "caution", "flag"), where, "effect")
        _need(r.get("severity") in ("info", "warning", "critical"), where, "severity")
        _need(bool(r.get("source")) and bool(r.get("message")), where, "source and message")
        found[rid] = Rule(
            rid, r["effect"], r["severity"], r["message"], r["source"], r.get("verify", False)
        )
    return found


def _vocabulary(data: Any) -> tuple[dict[str, Lab], dict[str, Problem], dict[str, Score]]:
    labs = {
        lid: Lab(
            _snake(lid, f"vocabulary.json lab {lid}"),
            tuple(v["names"]),
            bool(v.get("qualitative", False)),
            v.get("unit"),
            v.get("min"),
            v.get("max"),
            tuple(v["loinc"]),
        )
        for lid, v in data["labs"].items()
    }
    problems = {
        pid: Problem(
            _snake(pid, f"vocabulary.json problem {pid}"),
            v["name"],
            tuple(v["icd10cm"]),
            tuple(v["snomed"]),
        )
        for pid, v in data["problems"].items()
    }
    scores = {
        sid: Score(
            _snake(sid, f"vocabulary.json score {sid}"),
            v["name"],
            v["min"],
            v["max"],
            v.get("instrument"),
        )
        for sid, v in data["scores"].items()
    }
    return labs, problems, scores


def _reproductive(data: Any) -> tuple[dict[str, StateCodes], dict[str, StatusObservation]]:
    codes = {}
    for state, v in data["states"].items():
        where = f"vocabulary.json reproductive_status {state}"
        _need(state in REPRODUCTIVE_STATES, where, f"state must be one of {REPRODUCTIVE_STATES}")
        _need(bool(v.get("source")), where, "a source")
        codes[state] = StateCodes(state, tuple(v["icd10cm"]), tuple(v["snomed"]), v["source"])
    observations = {}
    for oid, v in data["observations"].items():
        where = f"vocabulary.json reproductive_status observation {_snake(oid, oid)}"
        _need(v.get("state") in REPRODUCTIVE_STATES, where, "a known state")
        _need(isinstance(v.get("lookback_weeks"), int) and v["lookback_weeks"] > 0, where, "weeks")
        _need(bool(v.get("source")) and bool(v.get("loinc")), where, "a source and LOINC codes")
        yes, no, unknown = (
            frozenset(a.lower() for a in v[key]) for key in ("yes", "no", "unknown")
        )
        _need(not (yes & no), where, "an answer cannot be both yes and no")
        observations[oid] = StatusObservation(
            oid, v["state"], tuple(v["loinc"]), yes, no, unknown, v["lookback_weeks"], v["source"]
        )
    return codes, observations


@cache
def knowledge() -> Knowledge:
    """All of the care knowledge, checked against the manifest's checksums and the format."""
    manifest, _ = _read("manifest.json")
    files: dict[str, Mapping[str, str]] = {}
    parsed: dict[str, Any] = {}
    for name, meta in manifest["files"].items():
        data, raw = _read(name)
        digest = hashlib.sha256(raw).hexdigest()
        _need(digest == meta["sha256"], name, "changed since manifest.json was written")
        parsed[name] = data
        files[name] = MappingProxyType(
            {"version": data.get("version", manifest["knowledge_version"]), "sha256": digest}
        )
    guidelines = _guidelines(parsed["guidelines.json"])
    therapies = _therapies(parsed["therapies.json"])
    conditions = {}
    for name, data in parsed.items():
        if name.startswith("conditions/"):
            condition = _condition(name.removeprefix("conditions/"), data, guidelines, therapies)
            conditions[condition.id] = condition
    rules_file = parsed["safety_rules.json"]
    vocabulary = parsed["vocabulary.json"]
    labs, problems, scores = _vocabulary(vocabulary)
    reproductive_codes, status_observations = _reproductive(vocabulary["reproductive_status"])
    return Knowledge(
        version=manifest["knowledge_version"],
        files=MappingProxyType(files),
        guidelines=MappingProxyType(guidelines),
        therapies=MappingProxyType(therapies),
        conditions=MappingProxyType(conditions),
        rules=MappingProxyType(_rules(rules_file)),
        thresholds=MappingProxyType(dict(rules_file["thresholds"])),
        labs=MappingProxyType(labs),
        qualitative_results=frozenset(vocabulary["qualitative_results"]),
        problems=MappingProxyType(problems),
        scores=MappingProxyType(scores),
        medicines=MappingProxyType({k: frozenset(v) for k, v in vocabulary["medicines"].items()}),
        reproductive_codes=MappingProxyType(reproductive_codes),
        status_observations=MappingProxyType(status_observations),
    )
