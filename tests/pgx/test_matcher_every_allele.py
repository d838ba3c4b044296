"""A generated VCF for every defined allele of CYP2C9, CYP2C19 and CYP2D6 comes back as that
allele: homozygous, and heterozygous with *1, each sample a column of one file per gene.

The one exception is written down with its reason: with unphased genotypes CYP2C19 *1/*34 is
the same genotype as *38/*40, and *40 (rs367543002 T, rs367543003 C and rs3758581 G) is the
longer definition, so it wins the score, exactly as in PharmCAT; phased, *1/*34 comes back.
No allele ties with another whose definition is identical: every definition is distinct.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts.make_pgx_vcf import haplotype, samples_vcf

from painpath.pgx.definitions import load_definition
from painpath.pgx.genes import Diplotype, Gene
from painpath.pgx.matcher import allele_order, call_file

STAR_GENES = [Gene.CYP2C9, Gene.CYP2C19, Gene.CYP2D6]
#: (gene, sample) → the call painpath (and PharmCAT's scoring) gives instead, unphased.
UNPHASED_EXCEPTIONS: dict[tuple[Gene, str], tuple[Diplotype, ...]] = {
    (Gene.CYP2C19, "*34/*1"): (("*38", "*40"),),
}


def ordered(first: str, second: str) -> Diplotype:
    a, b = sorted((first, second), key=allele_order)
    return a, b


def every_allele_samples(gene: Gene) -> dict[str, dict[Gene, tuple[str, str]]]:
    samples: dict[str, dict[Gene, tuple[str, str]]] = {}
    for allele in load_definition(gene).alleles:
        samples[f"{allele.name}/{allele.name}"] = {gene: (allele.name, allele.name)}
        samples[f"{allele.name}/*1"] = {gene: (allele.name, "*1")}
    return samples


@pytest.mark.parametrize("phased", [False, True], ids=["unphased", "phased"])
@pytest.mark.parametrize("gene", STAR_GENES)
def test_every_defined_allele_comes_back_as_itself(
    gene: Gene, phased: bool, tmp_path: Path
) -> None:
    samples = every_allele_samples(gene)
    path = tmp_path / f"{gene.value}_every_allele.vcf"
    path.write_text(samples_vcf(samples, genes=[gene], phased=phased))
    results = call_file(str(path), genes=[gene])
    wrong = {}
    for name, diplotypes in samples.items():
        call = results[name][gene]
        expected: tuple[Diplotype, ...] = (ordered(*diplotypes[gene]),)
        if not phased:
            expected = UNPHASED_EXCEPTIONS.get((gene, name), expected)
        if call.diplotypes != expected:
            wrong[name] = call.diplotypes
        assert call.missing_positions == ()
    assert wrong == {}
    # Every allele homozygous, and heterozygous with *1 (*1/*1 is both).
    assert len(results) == 2 * len(load_definition(gene).alleles) - 1


@pytest.mark.parametrize("gene", STAR_GENES)
def test_no_two_alleles_of_a_gene_have_the_same_haplotype(gene: Gene) -> None:
    definition = load_definition(gene)
    seen: dict[tuple[str, ...], str] = {}
    for allele in definition.alleles:
        bases = haplotype(definition, allele.name)
        assert bases not in seen, f"{allele.name} has the same bases as {seen.get(bases)}"
        seen[bases] = allele.name


def test_the_generated_set_covers_every_defined_allele() -> None:
    counts = {gene: len(load_definition(gene).alleles) for gene in STAR_GENES}
    assert counts == {Gene.CYP2C9: 88, Gene.CYP2C19: 36, Gene.CYP2D6: 171}
