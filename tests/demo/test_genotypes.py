"""The demo's pharmacogene table and the CPIC rules that turn diplotypes into phenotypes."""

import math
import random
from collections import Counter

import pytest

from painpath.demo.genotypes import (
    GENES,
    GenotypeCall,
    allele_frequencies,
    call_diplotype,
    call_variant,
    draw_genotypes,
)

TABLE = allele_frequencies()
REQUIRED_ALLELES = {
    "CYP2D6": {"*1", "*2", "*3", "*4", "*5", "*6", "*9", "*10", "*17", "*41", "*1x2", "*2x2"},
    "CYP2C19": {"*1", "*2", "*3", "*17"},
    "CYP2C9": {"*1", "*2", "*3", "*5", "*8", "*11"},
}


def test_table_names_its_source_version_and_retrieval_date() -> None:
    assert "CPIC" in TABLE.source
    assert TABLE.version
    assert TABLE.retrieved
    assert TABLE.population == "European"


@pytest.mark.parametrize("gene", sorted(REQUIRED_ALLELES))
def test_each_gene_lists_the_required_alleles_and_sums_to_one(gene: str) -> None:
    alleles = TABLE.star_genes[gene].alleles
    assert {allele.name for allele in alleles} == REQUIRED_ALLELES[gene]
    assert math.isclose(sum(allele.frequency for allele in alleles), 1.0, abs_tol=1e-9)
    assert all(0 < allele.frequency < 1 for allele in alleles)


# Expected calls agree with the CPIC diplotype tables as shipped in PharmCAT.
@pytest.mark.parametrize(
    ("gene", "alleles", "diplotype", "phenotype", "score"),
    [
        ("CYP2D6", ("*4", "*4"), "*4/*4", "Poor Metabolizer", 0.0),
        ("CYP2D6", ("*5", "*4"), "*4/*5", "Poor Metabolizer", 0.0),
        ("CYP2D6", ("*4", "*10"), "*4/*10", "Intermediate Metabolizer", 0.25),
        ("CYP2D6", ("*41", "*41"), "*41/*41", "Intermediate Metabolizer", 0.5),
        ("CYP2D6", ("*4", "*1"), "*1/*4", "Intermediate Metabolizer", 1.0),
        ("CYP2D6", ("*1", "*41"), "*1/*41", "Normal Metabolizer", 1.25),
        ("CYP2D6", ("*2", "*1"), "*1/*2", "Normal Metabolizer", 2.0),
        ("CYP2D6", ("*41", "*1x2"), "*1x2/*41", "Normal Metabolizer", 2.25),
        ("CYP2D6", ("*1", "*1x2"), "*1/*1x2", "Ultrarapid Metabolizer", 3.0),
        ("CYP2D6", ("*4", "*2x2"), "*2x2/*4", "Normal Metabolizer", 2.0),
        ("CYP2C9", ("*1", "*1"), "*1/*1", "Normal Metabolizer", 2.0),
        ("CYP2C9", ("*1", "*3"), "*1/*3", "Intermediate Metabolizer", 1.0),
        ("CYP2C9", ("*2", "*1"), "*1/*2", "Intermediate Metabolizer", 1.5),
        ("CYP2C9", ("*2", "*2"), "*2/*2", "Intermediate Metabolizer", 1.0),
        ("CYP2C9", ("*3", "*2"), "*2/*3", "Poor Metabolizer", 0.5),
        ("CYP2C9", ("*3", "*3"), "*3/*3", "Poor Metabolizer", 0.0),
        ("CYP2C19", ("*17", "*17"), "*17/*17", "Ultrarapid Metabolizer", None),
        ("CYP2C19", ("*17", "*1"), "*1/*17", "Rapid Metabolizer", None),
        ("CYP2C19", ("*1", "*1"), "*1/*1", "Normal Metabolizer", None),
        ("CYP2C19", ("*1", "*2"), "*1/*2", "Intermediate Metabolizer", None),
        ("CYP2C19", ("*17", "*2"), "*2/*17", "Intermediate Metabolizer", None),
        ("CYP2C19", ("*3", "*2"), "*2/*3", "Poor Metabolizer", None),
    ],
)
def test_diplotypes_get_cpic_activity_scores_and_phenotypes(
    gene: str, alleles: tuple[str, str], diplotype: str, phenotype: str, score: float | None
) -> None:
    call = call_diplotype(TABLE.star_genes[gene], *alleles)
    assert call == GenotypeCall(gene, diplotype, phenotype, score)


def test_oprm1_and_comt_get_a_genotype_and_no_phenotype() -> None:
    oprm1 = TABLE.variants["OPRM1"]
    assert call_variant(oprm1, 0) == GenotypeCall("OPRM1", "rs1799971 A/A", None, None)
    assert call_variant(oprm1, 1).diplotype == "rs1799971 A/G"
    assert call_variant(TABLE.variants["COMT"], 2).diplotype == "rs4680 A/A"


def test_each_person_gets_one_result_per_gene() -> None:
    calls = draw_genotypes(random.Random(1))
    assert tuple(call.gene for call in calls) == GENES


def test_allele_frequencies_of_5000_people_match_the_table() -> None:
    rng = random.Random(2026)
    people = [draw_genotypes(rng) for _ in range(5000)]
    chromosomes = 2 * len(people)
    for index, gene in enumerate(GENES):
        observed: Counter[str] = Counter()
        for calls in people:
            diplotype = calls[index].diplotype
            observed.update(diplotype.split(" ")[-1].split("/"))
        if gene in TABLE.star_genes:
            expected = {a.name: a.frequency for a in TABLE.star_genes[gene].alleles}
        else:
            site = TABLE.variants[gene]
            p = site.alternate_frequency
            expected = {site.alternate: p, site.reference: 1 - p}
        assert set(observed) <= set(expected)
        for allele, frequency in expected.items():
            # Four binomial standard errors, plus a little for the rarest alleles.
            tolerance = 4 * math.sqrt(frequency * (1 - frequency) / chromosomes) + 0.001
            assert abs(observed[allele] / chromosomes - frequency) <= tolerance, (gene, allele)
