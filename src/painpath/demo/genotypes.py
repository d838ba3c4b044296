"""Synthetic pharmacogene results drawn from population allele frequencies.

Each patient gets two alleles per gene drawn independently (Hardy–Weinberg) from
`data/allele_frequencies.json`; the diplotype's activity score and phenotype then come from
painpath's PGx engine (`painpath.pgx.phenotype`), the same CPIC tables a real result uses.
OPRM1 rs1799971 and COMT rs4680 get a genotype only: CPIC assigns them no phenotype.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from painpath.pgx.genes import Gene
from painpath.pgx.phenotype import diplotype_phenotype, parse_score

#: Genes in the order their results are drawn and stored.
GENES = ("CYP2C19", "CYP2C9", "CYP2D6", "OPRM1", "COMT")


@dataclass(frozen=True, slots=True)
class StarAllele:
    name: str
    frequency: float


@dataclass(frozen=True, slots=True)
class StarAlleleGene:
    gene: str
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
    """The demo's allele frequency table (data/allele_frequencies.json)."""
    text = resources.files("painpath.demo").joinpath("data/allele_frequencies.json").read_text()
    raw: dict[str, Any] = json.loads(text)
    star_genes = {
        gene: StarAlleleGene(
            gene=gene,
            alleles=tuple(
                StarAllele(
                    name=name,
                    frequency=float(row["frequency"]),
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


def call_diplotype(gene: StarAlleleGene, first: str, second: str) -> GenotypeCall:
    """The diplotype string, activity score and phenotype for two alleles, from the PGx engine."""
    alleles = sorted((gene.allele(first), gene.allele(second)), key=lambda a: _allele_order(a.name))
    result = diplotype_phenotype(Gene(gene.gene), alleles[0].name, alleles[1].name)
    score = None
    if result.activity_score not in (None, "n/a"):
        score = parse_score(str(result.activity_score))[0]
    diplotype = "/".join(allele.name for allele in alleles)
    return GenotypeCall(gene.gene, diplotype, result.phenotype, score)


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
