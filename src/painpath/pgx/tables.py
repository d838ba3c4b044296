"""painpath's pharmacogenomics knowledge, loaded once from the package's `knowledge/` files.

The files are data with source, version and retrieval date (see `knowledge/manifest.json`); most
are derived by `scripts/derive_pgx_tables.py` from CPIC facts, the prose templates, the
inhibitor list and the alternatives list are hand-written. Nothing here reads outside the
installed package, and every result records `KNOWLEDGE_VERSION`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import product
from types import MappingProxyType
from typing import Any

from painpath.pgx.genes import Gene, Phenotype


def _load(name: str) -> Any:
    return json.loads(
        resources.files("painpath.pgx").joinpath("knowledge", name).read_text(encoding="utf-8")
    )


@dataclass(frozen=True, slots=True)
class FileSource:
    """Where one knowledge file came from."""

    name: str
    source: str
    version: str
    retrieved: str
    licence: str
    sha256: str


_MANIFEST = _load("manifest.json")
KNOWLEDGE_VERSION: str = _MANIFEST["knowledge_version"]
KNOWLEDGE_SUMMARY: str = _MANIFEST["summary"]
SOURCES: Mapping[str, FileSource] = MappingProxyType(
    {name: FileSource(name=name, **meta) for name, meta in _MANIFEST["files"].items()}
)


@dataclass(frozen=True, slots=True)
class AlleleEntry:
    """CPIC function of one named allele and its activity value ("1.0", "≥3.0", "n/a"; None
    for genes without activity values)."""

    function: str
    activity_value: str | None


@dataclass(frozen=True, slots=True)
class GeneTable:
    """Allele functions and phenotype rules of one gene."""

    gene: Gene
    rule: str  # "activity_score", "function_pair" or "genotype"
    version: str
    alleles: Mapping[str, AlleleEntry]
    no_value_functions: frozenset[str]
    bands: tuple[tuple[str, float | None, bool], ...]  # phenotype, upper bound, bound included
    function_pairs: Mapping[tuple[str, str], str]  # sorted pair of functions -> phenotype
    phenotype_keys: Mapping[str, tuple[str, ...]]  # phenotype -> CPIC lookup keys
    variant: Mapping[str, str]  # genotype genes: rsid, change, protein, legacy
    aliases: Mapping[str, str]  # genotype genes: other spellings of an allele


@cache
def gene_table(gene: Gene | str) -> GeneTable:
    """The knowledge of one gene (CPIC allele functions and phenotype rules)."""
    gene = Gene(gene)
    data = _load(f"phenotypes/{gene}.json")
    if data["rule"] == "genotype":
        alleles = {a: AlleleEntry(label, None) for a, label in data["alleles"].items()}
    else:
        alleles = {
            name: AlleleEntry(entry["function"], entry["activity_value"])
            for name, entry in data["alleles"].items()
        }
    pairs = {
        (pair["functions"][0], pair["functions"][1]): pair["phenotype"]
        for pair in data.get("function_pairs", [])
    }
    return GeneTable(
        gene=gene,
        rule=data["rule"],
        version=data["version"],
        alleles=MappingProxyType(alleles),
        no_value_functions=frozenset(data.get("no_value_functions", [])),
        bands=tuple(
            (b["phenotype"], b["upper"], b["upper_included"]) for b in data.get("bands", [])
        ),
        function_pairs=MappingProxyType(pairs),
        phenotype_keys=MappingProxyType(
            {ph: tuple(keys) for ph, keys in data.get("phenotype_keys", {}).items()}
        ),
        variant=MappingProxyType(data.get("variant", {})),
        aliases=MappingProxyType(data.get("aliases", {})),
    )


@dataclass(frozen=True, slots=True)
class Condition:
    """Which lookup keys of one gene a rule covers."""

    any: bool
    keys: frozenset[str]
    intervals: tuple[tuple[float, float | None], ...]  # (low, high]: low excluded, high included

    def matches(self, key: str) -> bool:
        if self.any or key in self.keys:
            return True
        try:
            value = float(key.lstrip("≥"))
        except ValueError:
            return False
        return any(low < value and (high is None or value <= high) for low, high in self.intervals)


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """One guideline outcome: when the gene keys match, this strength and these templates."""

    when: tuple[tuple[Gene, Condition], ...]
    strength: str
    recommendation: str  # template id in guidance/templates.json
    implication: tuple[tuple[str, str], ...]  # (gene or "general", template id)
    params: Mapping[str, str]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Guidance:
    """One guideline's advice for one or more drugs (a file under knowledge/guidance/)."""

    name: str
    drugs: tuple[str, ...]
    genes: tuple[Gene, ...]
    source: str  # "CPIC" or "DPWG"
    guideline: str
    citation: str
    url: str
    version: str
    licence: str
    when_untested: str  # "no_result": say so; "skip": leave the guideline out
    caveat: str | None
    rules: tuple[Rule, ...]
    #: every combination of the genes' CPIC keys (and "No Result") -> the first rule that
    #: matches it, or None; built at load so that advice is a dict lookup, not a rule scan
    rule_index: Mapping[tuple[str, ...], Rule | None]

    def rule_for(self, keys: tuple[str, ...]) -> Rule | None:
        """The first rule matching one key per gene (in `genes` order)."""
        if keys in self.rule_index:
            return self.rule_index[keys]
        return _first_rule(self.rules, self.genes, keys)


def _first_rule(
    rules: tuple[Rule, ...], genes: tuple[Gene, ...], keys: tuple[str, ...]
) -> Rule | None:
    by_gene = dict(zip(genes, keys, strict=True))
    return next((r for r in rules if all(c.matches(by_gene[g]) for g, c in r.when)), None)


def _rule_index(
    genes: tuple[Gene, ...], rules: tuple[Rule, ...]
) -> dict[tuple[str, ...], Rule | None]:
    universes = [
        (
            *(k for keys in gene_table(g).phenotype_keys.values() for k in keys),
            Phenotype.NO_RESULT.value,
        )
        for g in genes
    ]
    return {combo: _first_rule(rules, genes, combo) for combo in product(*universes)}


def _condition(data: Mapping[str, Any]) -> Condition:
    intervals = tuple((float(low), high) for low, high in data.get("intervals", []))
    return Condition(bool(data.get("any", False)), frozenset(data.get("keys", [])), intervals)


def _rule(data: Mapping[str, Any]) -> Rule:
    notes = []
    if "dpwg_prescription_change" in data:
        notes.append(
            f"DPWG group {data['dpwg_phenotype']}; prescription change: "
            f"{data['dpwg_prescription_change']}"
        )
    return Rule(
        when=tuple((Gene(g), _condition(c)) for g, c in data["when"].items()),
        strength=data["strength"],
        recommendation=data["recommendation"],
        implication=tuple(data["implication"].items()),
        params=MappingProxyType(dict(data.get("params", {}))),
        notes=tuple(notes),
    )


@cache
def guidances(source: str = "CPIC") -> tuple[Guidance, ...]:
    """Every guidance file of one source ("CPIC" or "DPWG")."""
    folder = resources.files("painpath.pgx").joinpath("knowledge", "guidance", source.lower())
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text(encoding="utf-8"))
        genes = tuple(Gene(g) for g in data["genes"])
        rules = tuple(_rule(r) for r in data["rules"])
        out.append(
            Guidance(
                name=f"guidance/{source.lower()}/{entry.name}",
                drugs=tuple(data["drugs"]),
                genes=genes,
                source=data["source"],
                guideline=data["guideline"]["name"],
                citation=data["guideline"]["citation"],
                url=data["guideline"]["url"],
                version=data["version"],
                licence=data["licence"],
                when_untested=data["when_untested"],
                caveat=data.get("caveat"),
                rules=rules,
                rule_index=MappingProxyType(_rule_index(genes, rules)),
            )
        )
    return tuple(out)


@cache
def guidance_for(drug: str, source: str = "CPIC") -> tuple[Guidance, ...]:
    """The guidance files that cover one drug, primary (gene-keyed) guideline first."""
    found = [g for g in guidances(source) if drug in g.drugs]
    return tuple(sorted(found, key=lambda g: (g.when_untested == "skip", g.name)))


@cache
def known_drugs() -> tuple[str, ...]:
    """Every drug painpath has CPIC guidance or a CPIC statement for."""
    return tuple(sorted({d for g in guidances("CPIC") for d in g.drugs}))


@dataclass(frozen=True, slots=True)
class Template:
    text: str
    alternatives: tuple[str, ...]


@cache
def _templates() -> tuple[Mapping[str, str], Mapping[str, Template], Mapping[str, Any]]:
    data = _load("guidance/templates.json")
    recommendations = {
        k: Template(v["text"], tuple(v["alternatives"])) for k, v in data["recommendations"].items()
    }
    return data["implications"], recommendations, data["terms"]


def implication_text(template: str, drug: str, gene: str = "") -> str:
    """painpath's wording of one implication, filled in for a drug (and gene)."""
    implications, _, terms = _templates()
    return implications[template].format(drug=drug, gene=gene, **terms.get(drug, {}))


def recommendation_text(
    template: str, drug: str, gene: str = "", params: Mapping[str, str] | None = None
) -> Template:
    """painpath's wording of one recommendation (and its alternatives), filled in for a drug."""
    _, recommendations, terms = _templates()
    found = recommendations[template]
    fields = {**terms.get(drug, {}), **(params or {})}
    text = found.text.format(drug=drug, gene=gene, **fields)
    return Template(text, template_alternatives(template, drug))


def template_alternatives(template: str, drug: str) -> tuple[str, ...]:
    """The alternatives one recommendation template names for `drug` (never the drug itself)."""
    return tuple(a for a in _templates()[1][template].alternatives if a != drug)


@dataclass(frozen=True, slots=True)
class Inhibitor:
    """A medicine that inhibits one enzyme, with its FDA-style strength and sources."""

    medicine: str
    gene: Gene
    strength: str  # "strong", "moderate" or "weak"
    source: str  # citations, joined
    note: str | None
    confirmed: bool  # strength checked against the FDA table and agreeing sources
    checked: str  # date the entry was checked


@cache
def inhibitor_knowledge() -> tuple[Mapping[str, tuple[Inhibitor, ...]], Mapping[str, str], Any]:
    """Inhibitors by medicine name, brand-name aliases and the conversion conventions."""
    data = _load("inhibitors.json")
    by_medicine: dict[str, list[Inhibitor]] = {}
    for row in data["inhibitors"]:
        by_medicine.setdefault(row["medicine"], []).append(
            Inhibitor(
                medicine=row["medicine"],
                gene=Gene(row["gene"]),
                strength=row["strength"],
                source=" ".join(data["sources"][name] for name in row["sources"]),
                note=row.get("note"),
                confirmed=row["status"] == "confirmed",
                checked=row["checked"],
            )
        )
    frozen = MappingProxyType({k: tuple(v) for k, v in by_medicine.items()})
    return frozen, MappingProxyType(data["aliases"]), data["conventions"]


@dataclass(frozen=True, slots=True)
class AlternativeProfile:
    """A drug painpath may offer as an alternative, and how it is checked for the same patient."""

    drug: str
    kind: str  # "non-opioid analgesic", "tricyclic antidepressant (secondary amine)", ...
    checked_with: str | None  # drug whose guidance is looked up for the patient, if any
    extrapolated: bool  # checked_with is another drug whose advice CPIC lets us apply
    depends_on: tuple[Gene, ...]  # genes it depends on that painpath holds no guidance for
    basis: str  # the source statement


@cache
def alternative_profiles() -> Mapping[str, AlternativeProfile]:
    """Every drug an advice template may name as an alternative (knowledge/alternatives.json)."""
    data = _load("alternatives.json")
    return MappingProxyType(
        {
            drug: AlternativeProfile(
                drug=drug,
                kind=entry["kind"],
                checked_with=entry.get("checked_with"),
                extrapolated=bool(entry.get("extrapolated", False)),
                depends_on=tuple(Gene(g) for g in entry.get("depends_on", ())),
                basis=entry["basis"],
            )
            for drug, entry in data["drugs"].items()
        }
    )
