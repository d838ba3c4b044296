"""A gene's result with its genotype phenotype and, beside it, the phenotype after co-prescribed
inhibitors (phenoconversion).

Rules (knowledge/inhibitors.json, each with its source): a strong inhibitor multiplies the
CYP2D6/CYP2C9 activity score by 0 and a moderate one by 0.5 (Cicali et al. 2021, CPIC opioid
guideline 2021); CYP2C19 has no score, so a strong inhibitor makes a poor metabolizer and a
moderate one moves the phenotype one step lower (a painpath convention). Several inhibitors of one
enzyme: the strongest decides. Advice is then chosen on the converted phenotype. Only inhibitors
whose strength is confirmed convert; an unconfirmed strong or moderate one is reported as a
possible interaction, not applied (docs/pgx-safety.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from painpath.pgx.genes import ACTIVITY_SCORE_GENES, Gene, Phenotype
from painpath.pgx.phenotype import (
    DiplotypePhenotype,
    diplotype_phenotype,
    format_score,
    lookup_key,
    parse_score,
    phenotype_for_score,
)
from painpath.pgx.tables import inhibitor_knowledge

NO_RESULT = Phenotype.NO_RESULT.value
_NOT_NAME = frozenset(
    {
        *("hydrochloride", "hcl", "hydrobromide", "sodium", "magnesium", "potassium", "calcium"),
        *("mesylate", "maleate", "sulfate", "sulphate", "succinate", "tartrate", "besylate"),
        *("citrate", "fumarate", "acetate", "phosphate", "er", "xr", "sr", "cr", "la", "xl", "dr"),
        *("mg", "mcg", "g", "tablet", "tablets", "tab", "capsule", "capsules", "cap", "oral"),
        "solution",
    }
)


@dataclass(frozen=True, slots=True)
class InhibitorUse:
    """A co-prescribed medicine recognised as an inhibitor of one enzyme."""

    medicine: str  # as given
    name: str  # generic name painpath matched
    gene: Gene
    strength: str  # "strong", "moderate" or "weak"
    source: str
    confirmed: bool  # strength confirmed against the FDA table (see inhibitors.json)
    note: str | None = None

    @property
    def applied(self) -> bool:
        """Whether this inhibitor changes the phenotype advice is chosen on."""
        return self.confirmed and self.strength in ("strong", "moderate")

    def to_json(self) -> dict[str, Any]:
        return {
            "medicine": self.medicine,
            "name": self.name,
            "gene": self.gene.value,
            "strength": self.strength,
            "source": self.source,
            "verify": not self.confirmed,
            "applied": self.applied,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class MedicationReview:
    """What the co-prescribed medicines mean for CYP2D6, CYP2C19 and CYP2C9."""

    inhibitors: tuple[InhibitorUse, ...]  # confirmed strong and moderate: these convert
    weak: tuple[InhibitorUse, ...]  # recognised, but no conversion
    unknown: tuple[str, ...]  # not in painpath's inhibitor list (reported, not ignored)
    #: strong or moderate by painpath's list, but the strength is not confirmed: reported as a
    #: possible interaction, not applied
    possible_interactions: tuple[InhibitorUse, ...] = ()

    def for_gene(self, gene: Gene) -> tuple[InhibitorUse, ...]:
        return tuple(i for i in self.inhibitors if i.gene == gene)


def medicine_name(text: str) -> str:
    """A medicine as written ("Paroxetine 20 mg tablet", "Cymbalta") -> its generic name."""
    known, aliases, _ = inhibitor_knowledge()
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if w not in _NOT_NAME]
    for candidate in (" ".join(words), *words):
        name = str(aliases.get(candidate, candidate))
        if name in known:
            return name
    return " ".join(words) or text.strip().lower()


def review_medications(meds: Iterable[str]) -> MedicationReview:
    """Sort co-prescribed medicines into converting inhibitors, weak ones, possible ones whose
    strength is not confirmed (not applied), and unknown names."""
    known, _, _ = inhibitor_knowledge()
    applied: list[InhibitorUse] = []
    weak: list[InhibitorUse] = []
    possible: list[InhibitorUse] = []
    unknown: list[str] = []
    for medicine in dict.fromkeys(m.strip() for m in meds if m.strip()):
        name = medicine_name(medicine)
        if name not in known:
            unknown.append(medicine)
        for found in known.get(name, ()):
            use = InhibitorUse(
                medicine,
                name,
                found.gene,
                found.strength,
                found.source,
                found.confirmed,
                found.note,
            )
            if use.applied:
                applied.append(use)
            else:
                (weak if found.strength == "weak" else possible).append(use)
    return MedicationReview(tuple(applied), tuple(weak), tuple(unknown), tuple(possible))


def converting_medicines(meds: Iterable[str]) -> tuple[str, ...]:
    """The medicines among `meds` that phenoconvert (confirmed strong or moderate inhibitors),
    in their order. Phenotypes and advice depend only on these: the other medicines change
    the notes and the medication review, never a gene's result or a drug's advice, so a
    cohort's patterns are genotype calls × these medicines only."""
    return tuple(m for m in meds if review_medications((m,)).inhibitors)


@dataclass(frozen=True, slots=True)
class Phenoconversion:
    """The phenotype after inhibitors, with the medicines that caused it."""

    inhibitors: tuple[InhibitorUse, ...]
    activity_score: str | None
    phenotype: str | None
    lookup_keys: tuple[str, ...]
    notes: tuple[str, ...]


def _common(values: Iterable[str | None]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


@dataclass(frozen=True, slots=True)
class GeneResult:
    """Everything painpath concluded about one gene of one person."""

    gene: Gene
    source: str  # "genotype", "outside call", "reported phenotype", ... or "not tested"
    diplotypes: tuple[DiplotypePhenotype, ...]  # all tied diplotypes
    activity_score: str | None  # when every tie agrees
    phenotype: str | None  # when every tie agrees
    lookup_keys: tuple[str, ...]  # genotype keys for CPIC advice
    notes: tuple[str, ...] = ()
    phenoconversion: Phenoconversion | None = None
    # Advice is memoized on gene results; a cohort looks them up tens of thousands of times,
    # so the hash of this deep, immutable value is computed once.
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = (self.gene, self.source, self.diplotypes, self.activity_score, self.phenotype)
        rest = (self.lookup_keys, self.notes, self.phenoconversion)
        object.__setattr__(self, "_hash", hash((*fields, *rest)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def keys(self) -> tuple[str, ...]:
        """Keys advice is chosen on: the phenoconverted ones when inhibitors apply."""
        return self.phenoconversion.lookup_keys if self.phenoconversion else self.lookup_keys

    @property
    def effective_phenotype(self) -> str | None:
        return self.phenoconversion.phenotype if self.phenoconversion else self.phenotype

    @property
    def effective_activity_score(self) -> str | None:
        conversion = self.phenoconversion
        return conversion.activity_score if conversion else self.activity_score

    def to_json(self) -> dict[str, Any]:
        """The gene as JSON: genotype and phenoconverted phenotype side by side."""
        conversion = self.phenoconversion
        functions = {
            f.allele: {"function": f.function, "activity_value": f.activity_value}
            for d in self.diplotypes
            for f in d.allele_functions
        }
        notes = [n for d in self.diplotypes for n in d.notes] + list(self.notes)
        return {
            "source": self.source,
            "diplotypes": [
                {
                    "diplotype": d.diplotype,
                    "activity_score": d.activity_score,
                    "phenotype": d.phenotype,
                }
                for d in self.diplotypes
            ],
            "allele_functions": functions,
            "activity_score": self.activity_score,
            "phenotype": self.phenotype,
            "phenoconverted_phenotype": conversion.phenotype if conversion else None,
            "phenoconverted_activity_score": conversion.activity_score if conversion else None,
            "phenoconverted_by": [u.name for u in conversion.inhibitors] if conversion else [],
            "lookup_keys": list(self.keys),
            "notes": list(dict.fromkeys(notes + (list(conversion.notes) if conversion else []))),
        }

    @classmethod
    def from_diplotypes(
        cls,
        gene: Gene | str,
        diplotypes: Sequence[tuple[str, str]],
        source: str = "genotype",
        notes: tuple[str, ...] = (),
    ) -> GeneResult:
        """Combine tied diplotypes (as the allele matcher returns them) into one gene result."""
        gene = Gene(gene)
        if not diplotypes:
            note = f"No {gene} diplotype could be called, so it counts as not tested."
            return cls.not_tested(gene, source, (*notes, note))
        found = tuple(diplotype_phenotype(gene, a, b) for a, b in diplotypes)
        keys = tuple(dict.fromkeys(d.lookup_key for d in found))
        phenotype = _common(d.phenotype for d in found)
        if len(found) > 1:
            names = ", ".join(d.diplotype for d in found)
            notes += (f"{len(found)} diplotypes fit the data equally well: {names}.",)
            if phenotype is None and gene in ACTIVITY_SCORE_GENES | {Gene.CYP2C19}:
                notes += ("They give different phenotypes; advice is listed for each.",)
        return cls(
            gene, source, found, _common(d.activity_score for d in found), phenotype, keys, notes
        )

    @classmethod
    def not_tested(
        cls, gene: Gene, source: str = "not tested", notes: tuple[str, ...] = ()
    ) -> GeneResult:
        return cls(gene, source, (), None, None, (NO_RESULT,), notes)


def _genotype_scores(result: GeneResult) -> tuple[str, ...]:
    if result.activity_score is not None:  # a lab-reported score wins over its diplotype
        return (result.activity_score,)
    if result.diplotypes:
        return tuple(dict.fromkeys(d.activity_score or "n/a" for d in result.diplotypes))
    return tuple("n/a" if k == NO_RESULT else k for k in result.lookup_keys)


def _convert_score(gene: Gene, score: str, factor: float) -> str:
    if score == "n/a":
        return format_score(0.0) if factor == 0.0 else "n/a"
    value, at_least = parse_score(score)
    return format_score(value * factor, at_least and value * factor > 0)


def phenoconvert(result: GeneResult, review: MedicationReview) -> GeneResult:
    """The result with the phenoconverted phenotype beside the genotype one, if inhibitors apply."""
    uses = review.for_gene(result.gene)
    if not uses:
        return result
    _, _, conventions = inhibitor_knowledge()
    strongest = "strong" if any(u.strength == "strong" for u in uses) else "moderate"
    names = ", ".join(f"{u.name} ({u.strength})" for u in uses)
    notes = [f"{result.gene} inhibitors taken: {names}."]
    if result.lookup_keys == (NO_RESULT,) and strongest == "moderate":
        return replace(result, notes=(*result.notes, f"{notes[0][:-1]}; untested: no conversion."))
    if len(uses) > 1:
        notes.append(conventions["several_inhibitors"]["text"])
    if result.gene in ACTIVITY_SCORE_GENES:
        factor = conventions["activity_score_factor"]["factor"][strongest]
        scores = tuple(
            dict.fromkeys(_convert_score(result.gene, s, factor) for s in _genotype_scores(result))
        )
        keys = tuple(dict.fromkeys(lookup_key(result.gene, s) for s in scores))
        phenotypes = [
            Phenotype.INDETERMINATE.value
            if s == "n/a"
            else phenotype_for_score(result.gene, parse_score(s)[0]).value
            for s in scores
        ]
        notes.append(
            f"Activity score × {factor} for a {strongest} inhibitor: {', '.join(scores)}"
            f" ({conventions['activity_score_factor']['kind']}, Cicali et al. 2021)."
        )
        activity_score, phenotype = _common(scores), _common(phenotypes)
    else:
        step = conventions["phenotype_step"]
        before = [
            Phenotype.INDETERMINATE.value if k == NO_RESULT else k for k in result.lookup_keys
        ]
        if strongest == "strong":
            after = [step["strong"] for _ in before]
        else:
            after = [step["moderate_one_step_lower"].get(k, k) for k in before]
        keys = tuple(dict.fromkeys(after))
        activity_score, phenotype = None, _common(after)
        notes.append(
            f"CYP2C19 {'made a poor metabolizer' if strongest == 'strong' else 'one step lower'}"
            f" by a {strongest} inhibitor ({step['kind']})."
        )
    if result.source == "not tested" or "n/a" in _genotype_scores(result):
        notes.append(conventions["unknown_genotype"]["text"])
    conversion = Phenoconversion(uses, activity_score, phenotype, keys, tuple(notes))
    return replace(result, phenoconversion=conversion)
