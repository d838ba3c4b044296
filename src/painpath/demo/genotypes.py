"""Synthetic pharmacogene results drawn from population allele frequencies.

Each patient gets two alleles per gene drawn independently (Hardy–Weinberg) from
`data/allele_frequencies.json`, then the diplotype's activity score and phenotype follow the
CPIC rules:

- CYP2D6 (CPIC 2019 consensus, Caudle et al., Clin Transl Sci 2020): the activity score is the
  sum of the allele values (a duplication counts its value times the copy number);
  0 poor, 0.25–1.0 intermediate, 1.25–2.25 normal, above 2.25 ultrarapid metabolizer.
- CYP2C9 (CPIC 2020 NSAID guideline, Theken et al.): 0–0.5 poor, 1.0–1.5 intermediate,
  2.0 normal metabolizer.
- CYP2C19 (CPIC 2022 clopidogrel guideline, Lee et al.): by allele function, with no score:
  two increased-function alleles ultrarapid, one increased and one normal rapid, two normal
  normal, one no-function allele intermediate (*2/*17 too), two no-function alleles poor.

OPRM1 rs1799971 and COMT rs4680 get a genotype only: CPIC assigns them no phenotype.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

POOR = "Poor Metabolizer"
INTERMEDIATE = "Intermediate Metabolizer"
NORMAL = "Normal Metabolizer"
RAPID = "Rapid Metabolizer"
ULTRARAPID = "Ultrarapid Metabolizer"

NO_FUNCTION = "No function"
NORMAL_FUNCTION = "Normal function"
INCREASED_FUNCTION = "Increased function"

#: Genes in the order their results are drawn and stored.
GENES = ("CYP2C19", "CYP2C9", "CYP2D6", "OPRM1", "COMT")


@dataclass(frozen=True, slots=True)
class StarAllele:
    name: str
    frequency: float
    function: str
    # CPIC activity value; None for genes phenotyped by allele function (CYP2C19).
    activity_value: float | None


@dataclass(frozen=True, slots=True)
class StarAlleleGene:
    gene: str
    scoring: str
    alleles: tuple[StarAllele, ...]

    def allele(self, name: str) -> StarAllele:
        for allele in self.alleles:
            if allele.name == name:
                return allele
        raise KeyError(f"{self.gene} has no allele {name} in the demo table")


@dataclass(frozen=True, slots=True)
class VariantSite:
    gene: str
    rsid: str
    name: str
    reference: str
    alternate: str
    alternate_frequency: float


@dataclass(frozen=True, slots=True)
class AlleleFrequencies:
    source: str
    version: str
    retrieved: str
    population: str
    star_genes: dict[str, StarAlleleGene]
    variants: dict[str, VariantSite]


@dataclass(frozen=True, slots=True)
class GenotypeCall:
    gene: str
    diplotype: str
    phenotype: str | None
    activity_score: float | None


@cache
def allele_frequencies() -> AlleleFrequencies:
    """The demo's allele frequency and activity value table (data/allele_frequencies.json)."""
    text = resources.files("painpath.demo").joinpath("data/allele_frequencies.json").read_text()
    raw: dict[str, Any] = json.loads(text)
    star_genes = {
        gene: StarAlleleGene(
            gene=gene,
            scoring=body["scoring"],
            alleles=tuple(
                StarAllele(
                    name=name,
                    frequency=float(row["frequency"]),
                    function=row["function"],
                    activity_value=row.get("activity_value"),
                )
                for name, row in body["alleles"].items()
            ),
        )
        for gene, body in raw["genes"].items()
    }
    variants = {
        gene: VariantSite(
            gene=gene,
            rsid=row["rsid"],
            name=row["name"],
            reference=row["reference"],
            alternate=row["alternate"],
            alternate_frequency=float(row["alternate_frequency"]),
        )
        for gene, row in raw["variants"].items()
    }
    return AlleleFrequencies(
        source=raw["source"],
        version=raw["version"],
        retrieved=raw["retrieved"],
        population=raw["population"],
        star_genes=star_genes,
        variants=variants,
    )


_STAR = re.compile(r"^\*(\d+)(?:x(\d+))?$")


def _allele_order(name: str) -> tuple[int, int]:
    match = _STAR.match(name)
    if not match:
        raise ValueError(f"not a star allele: {name!r}")
    return int(match.group(1)), int(match.group(2) or 1)


def cyp2d6_phenotype(activity_score: float) -> str:
    """CPIC CYP2D6 activity score → phenotype (2019 consensus)."""
    if activity_score == 0:
        return POOR
    if activity_score <= 1.0:
        return INTERMEDIATE
    if activity_score <= 2.25:
        return NORMAL
    return ULTRARAPID


def cyp2c9_phenotype(activity_score: float) -> str:
    """CPIC CYP2C9 activity score → phenotype (2020 NSAID guideline)."""
    if activity_score <= 0.5:
        return POOR
    if activity_score <= 1.5:
        return INTERMEDIATE
    return NORMAL


def cyp2c19_phenotype(functions: Sequence[str]) -> str:
    """CPIC CYP2C19 allele functions → phenotype (2022 clopidogrel guideline)."""
    no_function = sum(function == NO_FUNCTION for function in functions)
    increased = sum(function == INCREASED_FUNCTION for function in functions)
    if no_function == 2:
        return POOR
    if no_function == 1:
        return INTERMEDIATE
    if increased == 2:
        return ULTRARAPID
    if increased == 1:
        return RAPID
    return NORMAL


def call_diplotype(gene: StarAlleleGene, first: str, second: str) -> GenotypeCall:
    """The diplotype string, activity score and phenotype for two alleles of one gene."""
    alleles = sorted((gene.allele(first), gene.allele(second)), key=lambda a: _allele_order(a.name))
    diplotype = "/".join(allele.name for allele in alleles)
    if gene.scoring == "allele_function":
        phenotype = cyp2c19_phenotype([allele.function for allele in alleles])
        return GenotypeCall(gene.gene, diplotype, phenotype, None)
    score = sum(allele.activity_value or 0.0 for allele in alleles)
    phenotype = cyp2d6_phenotype(score) if gene.gene == "CYP2D6" else cyp2c9_phenotype(score)
    return GenotypeCall(gene.gene, diplotype, phenotype, score)


def call_variant(site: VariantSite, alternate_copies: int) -> GenotypeCall:
    """An rs genotype written `rs1799971 A/G`, bases in alphabetical order."""
    bases = sorted([site.alternate] * alternate_copies + [site.reference] * (2 - alternate_copies))
    return GenotypeCall(site.gene, f"{site.rsid} {bases[0]}/{bases[1]}", None, None)


def draw_alleles(rng: random.Random, gene: StarAlleleGene) -> tuple[str, str]:
    names = [allele.name for allele in gene.alleles]
    weights = [allele.frequency for allele in gene.alleles]
    first, second = rng.choices(names, weights=weights, k=2)
    return first, second


def draw_genotypes(
    rng: random.Random, table: AlleleFrequencies | None = None
) -> list[GenotypeCall]:
    """One result per gene in GENES for one synthetic person."""
    table = table or allele_frequencies()
    calls: list[GenotypeCall] = []
    for gene_name in GENES:
        if gene_name in table.star_genes:
            gene = table.star_genes[gene_name]
            calls.append(call_diplotype(gene, *draw_alleles(rng, gene)))
        else:
            site = table.variants[gene_name]
            copies = sum(rng.random() < site.alternate_frequency for _ in range(2))
            calls.append(call_variant(site, copies))
    return calls
