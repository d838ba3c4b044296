"""Genome build detection, and the GRCh37 positions of the definitions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from scripts.make_pgx_vcf import samples_vcf

from painpath.pgx.build import (
    BuildEvidence,
    GenomeBuild,
    build_from_header,
    normalize_chromosome,
    position_table,
)
from painpath.pgx.definitions import Grch37Relation, all_definitions, load_definition
from painpath.pgx.genes import Gene
from painpath.pgx.matcher import call_file
from painpath.pgx.vcf import read_vcf
from tests.pgx.fixtures import REFERENCE, fixture, needs_reference


@pytest.mark.parametrize(
    ("line", "build"),
    [
        ("##reference=file:///data/hg19.fa", GenomeBuild.GRCH37),
        ("##reference=human_g1k_v37.fasta", GenomeBuild.GRCH37),
        ("##reference=hs37d5.fa", GenomeBuild.GRCH37),
        ("##reference=GRCh37", GenomeBuild.GRCH37),
        ("##reference=file:///ref/Homo_sapiens_assembly38.fasta", GenomeBuild.GRCH38),
        ("##reference=hg38", GenomeBuild.GRCH38),
        ("##reference=GCA_000001405.15_GRCh38_no_alt_analysis_set.fna", GenomeBuild.GRCH38),
    ],
)
def test_the_reference_line_names_the_build(line: str, build: GenomeBuild) -> None:
    call = build_from_header([line])
    assert call is not None
    assert call.build is build
    assert call.evidence is BuildEvidence.REFERENCE_LINE


@pytest.mark.parametrize(
    ("contig", "build"),
    [
        ("##contig=<ID=chr10,length=135534747>", GenomeBuild.GRCH37),
        ("##contig=<ID=10,length=133797422>", GenomeBuild.GRCH38),
        ("##contig=<ID=22,length=51304566,assembly=b37>", GenomeBuild.GRCH37),
        ("##contig=<ID=chr22,length=50818468>", GenomeBuild.GRCH38),
    ],
)
def test_contig_lengths_name_the_build(contig: str, build: GenomeBuild) -> None:
    call = build_from_header(["##fileformat=VCFv4.2", contig])
    assert call is not None
    assert call.build is build
    assert call.evidence is BuildEvidence.CONTIG_LENGTH


def test_contig_lengths_outrank_a_reference_line_and_the_disagreement_is_kept() -> None:
    call = build_from_header(["##reference=hg38.fa", "##contig=<ID=chr10,length=135534747>"])
    assert call is not None
    assert call.build is GenomeBuild.GRCH37
    assert call.conflict is not None
    assert "GRCh38" in call.conflict


def test_an_assembly_tag_names_the_build() -> None:
    call = build_from_header(['##contig=<ID=chr10,assembly=GRCh38.p14,species="Homo sapiens">'])
    assert call is not None
    assert (call.build, call.evidence) == (GenomeBuild.GRCH38, BuildEvidence.CONTIG_ASSEMBLY)


def test_a_header_without_build_facts_decides_nothing() -> None:
    assert build_from_header(["##fileformat=VCFv4.2", "##source=test"]) is None


def test_chromosome_names_with_and_without_chr_are_the_same() -> None:
    assert normalize_chromosome("chr10") == normalize_chromosome("10") == "10"
    assert normalize_chromosome("CHR22") == "22"


def test_a_grch37_file_gives_the_grch38_call_and_says_grch37() -> None:
    (on37,) = call_file(str(fixture("cyp2c19_s2s17_grch37.vcf"))).values()
    (on38,) = call_file(str(fixture("cyp2c19_s2s17.vcf"))).values()
    assert on37[Gene.CYP2C19].diplotypes == on38[Gene.CYP2C19].diplotypes == (("*2", "*17"),)
    assert on37[Gene.CYP2C19].build is GenomeBuild.GRCH37
    genotypes = read_vcf(fixture("cyp2c19_s2s17_grch37.vcf"))
    assert genotypes.build.evidence is BuildEvidence.CONTIG_LENGTH


def test_without_header_facts_the_build_is_told_from_the_ref_alleles() -> None:
    genotypes = read_vcf(fixture("cyp2c19_s2s17_grch37_no_header.vcf"))
    assert genotypes.build.build is GenomeBuild.GRCH37
    assert genotypes.build.evidence is BuildEvidence.REF_ALLELES
    (calls,) = call_file(str(fixture("cyp2c19_s2s17_grch37_no_header.vcf"))).values()
    assert calls[Gene.CYP2C19].diplotypes == (("*2", "*17"),)


def test_a_stated_build_is_used_and_a_header_that_disagrees_is_noted() -> None:
    (calls,) = call_file(str(fixture("cyp2c19_s2s17.vcf")), build=GenomeBuild.GRCH37).values()
    call = calls[Gene.CYP2C19]
    assert call.build is GenomeBuild.GRCH37
    assert any("header points at GRCh38" in note for note in call.notes)
    # Read at GRCh37 coordinates, a GRCh38 file has none of the positions.
    assert call.diplotypes == ()


def test_grch37_positions_without_a_verified_twin_are_reported_as_not_tested() -> None:
    (calls,) = call_file(str(fixture("cyp2c19_s2s17_grch37.vcf"))).values()
    call = calls[Gene.CYP2C19]
    unmapped = load_definition(Gene.CYP2C19).grch37_unmapped
    assert [p.locus for p in unmapped] == list(call.missing_positions)
    assert any("without a GRCh37 coordinate" in note for note in call.notes)


def test_rs3758581_is_the_reference_on_grch37_and_the_alternate_on_grch38() -> None:
    position = next(
        p for p in load_definition(Gene.CYP2C19).positions if p.locus.rsid == "rs3758581"
    )
    assert position.grch37 is not None
    assert (position.ref, position.grch37.ref) == ("A", "G")
    assert position.grch37.relation is Grch37Relation.REFERENCE_SWAPPED
    assert position.grch37.position == 96602623


@pytest.mark.parametrize(
    ("gene", "grch38", "grch37", "ref", "alt"),
    [
        (Gene.OPRM1, 154039662, 154360797, "A", "G"),
        (Gene.COMT, 19963748, 19951271, "G", "A"),
    ],
)
def test_oprm1_and_comt_sit_where_the_brief_and_pypgx_say(
    gene: Gene, grch38: int, grch37: int, ref: str, alt: str
) -> None:
    (position,) = load_definition(gene).positions
    assert (position.locus.position, position.ref, position.alts) == (grch38, ref, (alt,))
    assert position.grch37 is not None
    assert position.grch37.position == grch37


@needs_reference
def test_every_grch37_position_agrees_with_pypgx_allele_table() -> None:
    variants37: set[str] = set()
    with (REFERENCE / "pypgx_tables/allele-table.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["GRCh37Core"] != "N/A":
                variants37.update(row["GRCh37Core"].split(","))
    positions37 = {tuple(v.split("-")[:2]) for v in variants37}
    for definition in all_definitions():
        chromosome = definition.chromosome.removeprefix("chr")
        for position in definition.positions:
            if position.grch37 is None or len(position.ref) > 1:
                continue  # indels may be written shifted in pypgx (checked by the script)
            assert (chromosome, str(position.grch37.position)) in positions37


def test_each_build_has_its_own_position_table() -> None:
    definitions = all_definitions()
    on38 = position_table(definitions, [GenomeBuild.GRCH38])
    on37 = position_table(definitions, [GenomeBuild.GRCH37])
    assert ("10", 94842866) in on38
    assert ("10", 96602623) in on37
    assert not set(on38) & set(on37)
    unmapped = sum(len(d.grch37_unmapped) for d in definitions)
    assert sum(len(t) for t in on37.values()) + unmapped == sum(len(t) for t in on38.values())


@pytest.mark.parametrize("gene", [Gene.CYP2C9, Gene.CYP2C19, Gene.CYP2D6])
def test_grch37_input_gives_the_same_calls_as_grch38_for_every_allele(
    gene: Gene, tmp_path: Path
) -> None:
    """A GRCh37 file (positions mapped) and a GRCh38 file with the same positions tested."""
    definition = load_definition(gene)
    samples = {f"{a.name}/*1": {gene: (a.name, "*1")} for a in definition.alleles} | {
        f"{a.name}/{a.name}": {gene: (a.name, a.name)} for a in definition.alleles
    }
    unmapped = [str(p.locus.position) for p in definition.grch37_unmapped]
    path37, path38 = tmp_path / "grch37.vcf", tmp_path / "grch38.vcf"
    path37.write_text(samples_vcf(samples, genes=[gene], build=GenomeBuild.GRCH37))
    path38.write_text(samples_vcf(samples, genes=[gene], missing=unmapped))
    on37, on38 = call_file(str(path37)), call_file(str(path38))
    assert list(on37) == list(on38)
    for sample in on37:
        left, right = on37[sample][gene], on38[sample][gene]
        assert left.diplotypes == right.diplotypes, sample
        assert left.missing_positions == right.missing_positions
        assert (left.build, right.build) == (GenomeBuild.GRCH37, GenomeBuild.GRCH38)
