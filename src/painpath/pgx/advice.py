"""CPIC (and optionally DPWG) advice for pain medicines, and `interpret`, the engine's entry point.

Advice is looked up the way CPIC keys it: by activity score for CYP2D6 and CYP2C9, by phenotype
for CYP2C19, by the gene pair for amitriptyline, with "No Result" for a gene that was not tested.
Each guideline row maps to one of painpath's templates (knowledge/guidance), so the wording is
painpath's own while strength and version are the guideline's. Lookups are memoized.

Per person, each alternative a row names is checked against the same phenotypes
(`painpath.pgx.alternatives`), and advice that a drug interaction selected says so
(`applied_via`), since the guideline graded it for the genotype-defined phenotype.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import product
from typing import Any, Literal, TypeAlias

from painpath.pgx.alternatives import AlternativeCheck, check_alternative
from painpath.pgx.genes import ACTIVITY_SCORE_GENES, Gene, Phenotype, as_gene
from painpath.pgx.outside_calls import OutsideCall, gene_result, parse_call
from painpath.pgx.phenoconversion import (
    NO_RESULT,
    GeneResult,
    MedicationReview,
    phenoconvert,
    review_medications,
)
from painpath.pgx.phenotype import parse_score, phenotype_for_score
from painpath.pgx.tables import (
    KNOWLEDGE_SUMMARY,
    KNOWLEDGE_VERSION,
    SOURCES,
    Guidance,
    Rule,
    alternative_profiles,
    guidance_for,
    implication_text,
    known_drugs,
    recommendation_text,
    template_alternatives,
)

GeneCall: TypeAlias = str | tuple[str, str] | Sequence[tuple[str, str]] | OutsideCall | GeneResult
AppliedVia: TypeAlias = Literal["genotype", "phenoconversion"]


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One guideline's advice for one drug and one set of gene keys (no patient data)."""

    drug: str
    source: str  # "CPIC" or "DPWG"
    guideline: str
    citation: str
    url: str
    version: str
    strength: str  # Strong, Moderate, Optional, No Recommendation, Not graded, No Result
    implication: str
    recommendation: str
    #: Alternatives the guideline row names, before they are checked against a patient: only
    #: `Advice.alternatives` (checked) may be shown or offered.
    candidate_alternatives: tuple[str, ...]
    template: str
    implication_templates: tuple[tuple[str, str], ...]
    knowledge_file: str
    notes: tuple[str, ...]


def _recommend(guidance: Guidance, drug: str, keys: Mapping[Gene, str]) -> Recommendation | None:
    gene_keys = tuple(keys.get(g, NO_RESULT) for g in guidance.genes)
    untested = tuple(g for g, k in zip(guidance.genes, gene_keys, strict=True) if k == NO_RESULT)
    if untested and guidance.when_untested == "skip":
        return None
    return _worded(guidance, drug, guidance.rule_for(gene_keys), untested)


@cache
def _worded(
    guidance: Guidance, drug: str, rule: Rule | None, untested: tuple[Gene, ...]
) -> Recommendation | None:
    """The advice of one rule (or of "not tested") in painpath's words; many keys share a rule."""
    first = guidance.genes[0].value if guidance.genes else ""
    notes: tuple[str, ...] = (guidance.caveat,) if guidance.caveat else ()
    implications: tuple[tuple[str, str], ...] = ()
    if rule is None:
        if not untested:  # e.g. DPWG has no group for an indeterminate phenotype
            return None
        text = recommendation_text("no_result", drug, first)
        strength, template, implication = "No Result", "no_result", ""
        notes += (f"Not tested: {', '.join(untested)}.",)
    else:
        text = recommendation_text(rule.recommendation, drug, first, rule.params)
        strength, template, implications = rule.strength, rule.recommendation, rule.implication
        parts = [(g, implication_text(t, drug, g)) for g, t in implications]
        joined = " ".join(f"{g}: {t}" for g, t in parts)
        implication = parts[0][1] if len(parts) == 1 else joined
        notes += rule.notes
    return Recommendation(
        drug,
        guidance.source,
        guidance.guideline,
        guidance.citation,
        guidance.url,
        guidance.version,
        strength,
        implication,
        text.text,
        text.alternatives,
        template,
        implications,
        guidance.name,
        notes,
    )


@cache
def _advise(
    drug: str, keys: tuple[tuple[Gene, str], ...], include_dpwg: bool
) -> tuple[Recommendation, ...]:
    sources = ("CPIC", "DPWG") if include_dpwg else ("CPIC",)
    found = [_recommend(g, drug, dict(keys)) for s in sources for g in guidance_for(drug, s)]
    return tuple(r for r in found if r is not None)


_MEMO: dict[tuple[str, tuple[tuple[Gene | str, str], ...], bool], tuple[Recommendation, ...]] = {}


def advise(
    drug: str, keys: Mapping[Gene | str, str], *, include_dpwg: bool = False
) -> tuple[Recommendation, ...]:
    """Advice for a drug from CPIC lookup keys, e.g. advise("codeine", {"CYP2D6": "0.0"}).

    Keys are CPIC's: an activity score ("1.5", "≥3.0", "n/a") for CYP2D6/CYP2C9, a phenotype
    for CYP2C19, "No Result" (or absent) for an untested gene. Memoized; one result per guideline.
    """
    memo = (drug, tuple(keys.items()), include_dpwg)
    if (found := _MEMO.get(memo)) is not None:
        return found
    drug = drug.strip().lower()
    if drug not in known_drugs():
        raise ValueError(f"no guidance for {drug!r}; painpath knows {', '.join(known_drugs())}")
    normalized = tuple(sorted((as_gene(g), k) for g, k in keys.items()))
    found = _MEMO[memo] = _advise(drug, normalized, include_dpwg)
    return found


@dataclass(frozen=True, slots=True)
class GeneBasis:
    """What one gene contributed to a piece of advice."""

    gene: Gene
    lookup_keys: tuple[str, ...]
    phenotype: str | None  # after phenoconversion, if any
    genotype_phenotype: str | None
    activity_score: str | None  # after phenoconversion, if any
    diplotypes: tuple[str, ...]
    phenoconverted_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Advice:
    """A recommendation for this person: the guideline's advice plus what drove it."""

    recommendation: Recommendation
    based_on: tuple[GeneBasis, ...]
    #: "genotype", or "phenoconversion" when a drug interaction, not the genotype alone,
    #: selected this advice: the guideline graded it for the genotype-defined phenotype only.
    applied_via: AppliedVia = "genotype"
    #: The guideline row's alternatives, each checked against this patient's phenotypes.
    alternative_checks: tuple[AlternativeCheck, ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        """The alternatives that may be offered to this patient (unsafe ones left out)."""
        return tuple(c.drug for c in self.alternative_checks if c.offered)

    @property
    def strength_label(self) -> str:
        """The guideline's strength, saying so when it graded another situation."""
        r = self.recommendation
        if self.applied_via == "phenoconversion":
            return (
                f"{r.source} {r.strength} (for the genotype-defined phenotype); applied here"
                " through a drug interaction"
            )
        return f"{r.source} {r.strength}"

    def to_json(self) -> dict[str, Any]:
        r = self.recommendation
        basis = self.based_on
        return {
            "source": r.source,
            "guideline": r.guideline,
            "citation": r.citation,
            "url": r.url,
            "version": r.version,
            "strength": r.strength,
            "strength_label": self.strength_label,
            "applied_via": self.applied_via,
            "implication": r.implication,
            "recommendation": r.recommendation,
            "alternatives": list(self.alternatives),
            "alternative_checks": [c.to_json() for c in self.alternative_checks],
            "based_on": {
                "genes": [b.gene.value for b in basis],
                "lookup_keys": {b.gene.value: list(b.lookup_keys) for b in basis},
                "diplotypes": {b.gene.value: list(b.diplotypes) for b in basis},
                "phenotypes": {b.gene.value: b.phenotype for b in basis},
                "genotype_phenotypes": {b.gene.value: b.genotype_phenotype for b in basis},
                "activity_scores": {b.gene.value: b.activity_score for b in basis},
                "phenoconverted_by": {b.gene.value: list(b.phenoconverted_by) for b in basis},
            },
            "notes": list(r.notes),
        }


def _key_phenotype(gene: Gene, key: str) -> str | None:
    if key in (NO_RESULT, "n/a"):
        return None if key == NO_RESULT else Phenotype.INDETERMINATE.value
    if gene in ACTIVITY_SCORE_GENES:
        return phenotype_for_score(gene, parse_score(key)[0]).value
    return key


def _basis(result: GeneResult | None, gene: Gene, keys: tuple[str, ...]) -> GeneBasis:
    if result is None:
        return GeneBasis(gene, keys, None, None, None, (), ())
    phenotypes = {_key_phenotype(gene, k) for k in keys}
    conversion = result.phenoconversion
    return GeneBasis(
        gene,
        keys,
        phenotypes.pop() if len(phenotypes) == 1 else result.effective_phenotype,
        result.phenotype,
        result.effective_activity_score,
        tuple(d.diplotype for d in result.diplotypes),
        tuple(dict.fromkeys(u.name for u in conversion.inhibitors)) if conversion else (),
    )


def _guidance_genes(drug: str) -> set[Gene]:
    return {g for s in ("CPIC", "DPWG") for gd in guidance_for(drug, s) for g in gd.genes}


@cache
def _drug_genes(drug: str) -> tuple[Gene, ...]:
    """The genes any guideline for `drug` uses, and those its alternatives are checked on, in
    painpath's gene order."""
    genes = _guidance_genes(drug)
    named = {
        a
        for s in ("CPIC", "DPWG")
        for gd in guidance_for(drug, s)
        for rule in gd.rules
        for a in template_alternatives(rule.recommendation, drug)
    }
    for alternative in named:
        checked_with = alternative_profiles()[alternative].checked_with
        if checked_with is not None:
            genes |= _guidance_genes(checked_with)
    return tuple(sorted(genes, key=list(Gene).index))


def _lookups(
    drug: str, wording: str, options: Mapping[Gene, tuple[str, ...]], include_dpwg: bool
) -> tuple[Recommendation, ...]:
    """Every guideline advice for `drug` over each combination of per-gene key options, worded
    for `wording` (another drug when CPIC lets its advice be applied to it)."""
    sources = ("CPIC", "DPWG") if include_dpwg else ("CPIC",)
    found: dict[Recommendation, None] = {}
    for source in sources:
        for guidance in guidance_for(drug, source):
            per_gene = [options.get(g, (NO_RESULT,)) for g in guidance.genes]
            for combo in product(*per_gene):
                keys = dict(zip(guidance.genes, combo, strict=True))
                if (r := _recommend(guidance, wording, keys)) is not None:
                    found[r] = None
    return tuple(found)


def _check_alternatives(
    found: Recommendation, options: Mapping[Gene, tuple[str, ...]], include_dpwg: bool
) -> tuple[AlternativeCheck, ...]:
    checks = []
    for name in found.candidate_alternatives:
        profile = alternative_profiles()[name]
        own: tuple[Recommendation, ...] = ()
        if profile.checked_with is not None:
            own = _lookups(profile.checked_with, name, options, include_dpwg)
        checks.append(check_alternative(profile, own))
    return tuple(checks)


def drug_advice(
    drug: str, results: Mapping[Gene, GeneResult], *, include_dpwg: bool = False
) -> tuple[Advice, ...]:
    """Every distinct piece of advice for a drug, given a person's gene results.

    Tied diplotypes or a phenotype-only lab call can give several keys per gene; each key
    combination is looked up and identical advice is merged, listing the keys behind it.
    Memoized on the drug and the results of only the genes it depends on: in a cohort most
    people share those, even when their other genes differ.
    """
    return _drug_advice(drug, tuple(map(results.get, _drug_genes(drug))), include_dpwg)


@lru_cache(maxsize=65_536)
def _drug_advice(
    drug: str, gene_results: tuple[GeneResult | None, ...], include_dpwg: bool
) -> tuple[Advice, ...]:
    genes = _drug_genes(drug)
    results = {g: r for g, r in zip(genes, gene_results, strict=True) if r is not None}
    options = {g: results[g].keys if g in results else (NO_RESULT,) for g in genes}
    merged: dict[Recommendation, list[tuple[str, ...]]] = {}
    for combo in product(*options.values()):
        for found in advise(drug, dict(zip(genes, combo, strict=True)), include_dpwg=include_dpwg):
            merged.setdefault(found, []).append(combo)
    from_genotype: tuple[Recommendation, ...] = ()
    if any(r.phenoconversion is not None for r in results.values()):
        genotype_options = {g: r.lookup_keys for g, r in results.items()}
        from_genotype = _lookups(drug, drug, genotype_options, include_dpwg)
    used = {gd.name: gd.genes for s in ("CPIC", "DPWG") for gd in guidance_for(drug, s)}
    advice = []
    for found, combos in merged.items():
        basis = tuple(
            _basis(results.get(g), g, tuple(dict.fromkeys(c[i] for c in combos)))
            for i, g in enumerate(genes)
            if g in used[found.knowledge_file]
        )
        converted = any(b.phenoconverted_by for b in basis) and found not in from_genotype
        applied_via: AppliedVia = "phenoconversion" if converted else "genotype"
        checks = _check_alternatives(found, options, include_dpwg)
        advice.append(Advice(found, basis, applied_via, checks))
    return tuple(advice)


@dataclass(frozen=True)
class Interpretation:
    """A person's PGx result: genes, advice per drug, medicines reviewed, data version."""

    genes: Mapping[Gene, GeneResult]
    drugs: Mapping[str, tuple[Advice, ...]]
    medications: MedicationReview
    knowledge_version: str = KNOWLEDGE_VERSION
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: knowledge, genes {GENE: ...}, drugs {DRUG: [advice]}, medications."""
        files = {f"phenotypes/{g}.json" for g in self.genes}
        files |= {a.recommendation.knowledge_file for ads in self.drugs.values() for a in ads}
        meds = self.medications
        if meds.inhibitors or meds.weak or meds.possible_interactions or meds.unknown:
            files.add("inhibitors.json")
        if any(c for ads in self.drugs.values() for a in ads for c in a.alternative_checks):
            files.add("alternatives.json")
        return {
            "knowledge": {
                "version": self.knowledge_version,
                "summary": KNOWLEDGE_SUMMARY,
                "files": {
                    n: {"source": s.source, "version": s.version, "retrieved": s.retrieved}
                    for n, s in sorted(SOURCES.items())
                    if n in files
                },
            },
            "genes": {g.value: r.to_json() for g, r in self.genes.items()},
            "drugs": {d: [a.to_json() for a in ads] for d, ads in self.drugs.items()},
            "medications": {
                "inhibitors": [u.to_json() for u in meds.inhibitors],
                "weak_inhibitors": [u.to_json() for u in meds.weak],
                "possible_interactions": [u.to_json() for u in meds.possible_interactions],
                "not_recognised": list(meds.unknown),
            },
            "notes": list(self.notes),
        }


def _gene_result(gene: Gene, call: GeneCall) -> GeneResult:
    if isinstance(call, GeneResult):
        return call
    if isinstance(call, OutsideCall):
        return gene_result(call)
    if isinstance(call, str):
        return gene_result(parse_call(gene, call))
    if len(call) == 2 and all(isinstance(a, str) for a in call):
        return GeneResult.from_diplotypes(gene, [(str(call[0]), str(call[1]))])
    return GeneResult.from_diplotypes(gene, [(str(d[0]), str(d[1])) for d in call])


def interpret(
    calls: Mapping[Gene | str, GeneCall],
    meds: Sequence[str] = (),
    drugs: Sequence[str] | None = None,
    include_dpwg: bool = False,
) -> Interpretation:
    """Genes -> phenotypes (and phenoconverted phenotypes) -> advice for each drug.

    `calls` per gene: tied diplotypes from the allele matcher ([("*1", "*4"), ...]), one
    diplotype, a lab call (OutsideCall), or text ("*1/*4", "Poor Metabolizer", "1.5").
    `meds`: co-prescribed medicines checked for CYP inhibition. `drugs`: default every drug
    painpath knows. DPWG advice only with include_dpwg (share-alike licence, unconfirmed).
    """
    results = {as_gene(g): _gene_result(as_gene(g), call) for g, call in calls.items()}
    review = review_medications(meds)
    notes: list[str] = []
    for use in review.inhibitors:
        if use.gene not in results and use.strength == "strong":
            results[use.gene] = GeneResult.not_tested(use.gene)
    results = {g: phenoconvert(r, review) for g, r in results.items()}
    for use in review.possible_interactions:
        notes.append(
            f"{use.name} may inhibit {use.gene} (listed as {use.strength}, but the strength is"
            " not confirmed against the FDA table): possible interaction, not applied."
        )
    if review.unknown:
        notes.append(
            "Not in painpath's inhibitor list, so treated as not inhibiting CYP2D6, CYP2C19 or"
            f" CYP2C9: {', '.join(review.unknown)}."
        )
    wanted = [d.strip().lower() for d in drugs] if drugs is not None else list(known_drugs())
    unknown_drugs = [d for d in wanted if d not in known_drugs()]
    if unknown_drugs:
        raise ValueError(f"no guidance for {', '.join(unknown_drugs)}")
    advice = {d: drug_advice(d, results, include_dpwg=include_dpwg) for d in wanted}
    return Interpretation(results, advice, review, KNOWLEDGE_VERSION, tuple(notes))
