"""The VCF reader: formats, contig names, samples, genotypes, phase sets and odd records."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scripts.make_pgx_vcf import cohort_vcf

from painpath.pgx.build import BuildEvidence, GenomeBuild
from painpath.pgx.definitions import load_definition
from painpath.pgx.genes import Gene
from painpath.pgx.matcher import call_file, match_sample
from painpath.pgx.vcf import WHOLE_CHROMOSOME, SiteCall, VcfGenotypes, read_vcf
from tests.pgx.fixtures import fixture

S2S17 = (("*2", "*17"),)


def calls_at(genotypes: VcfGenotypes, gene: Gene, rsid: str, sample: int = 0) -> SiteCall | None:
    index = next(p.index for p in load_definition(gene).positions if p.locus.rsid == rsid)
    return genotypes.site_calls(gene, sample)[index]


def diplotypes(path: Path, gene: Gene = Gene.CYP2C19, **kwargs: object) -> object:
    (calls,) = call_file(str(path), **kwargs).values()  # type: ignore[arg-type]
    return calls[gene].diplotypes


@pytest.mark.parametrize(
    "name",
    ["cyp2c19_s2s17.vcf", "cyp2c19_s2s17.vcf.gz", "cyp2c19_s2s17.plain.vcf.gz"],
)
def test_plain_bgzipped_and_gzipped_vcf_give_the_same_call(name: str) -> None:
    assert diplotypes(fixture(name)) == S2S17


@pytest.mark.skipif(importlib.util.find_spec("cyvcf2") is None, reason="cyvcf2 not installed")
def test_bcf_is_read_through_cyvcf2_with_the_same_result() -> None:
    from_bcf = read_vcf(fixture("cyp2c19_s2s17.bcf"))
    from_vcf = read_vcf(fixture("cyp2c19_s2s17.vcf"))
    for gene in Gene:
        assert from_bcf.site_calls(gene, 0) == from_vcf.site_calls(gene, 0)
    assert diplotypes(fixture("cyp2c19_s2s17.bcf")) == S2S17


def test_contigs_named_10_or_chr10_read_the_same() -> None:
    assert diplotypes(fixture("cyp2c19_no_chr.vcf")) == S2S17


def test_only_the_pgx_positions_of_the_requested_genes_are_read() -> None:
    genotypes = read_vcf(fixture("cyp2c19_s2s17.vcf"), genes=[Gene.CYP2C19])
    assert set(genotypes.columns) == {Gene.CYP2C19}
    assert all(column is not None for column in genotypes.columns[Gene.CYP2C19])


def test_a_multi_sample_file_keeps_sample_order_and_can_be_subset() -> None:
    path = fixture("cyp2c9_multi_sample.vcf")
    every = call_file(str(path), genes=[Gene.CYP2C9])
    assert list(every) == ["S1", "S2", "S3"]
    assert [calls[Gene.CYP2C9].diplotypes for calls in every.values()] == [
        (("*1", "*1"),),
        (("*1", "*2"),),
        (("*2", "*3"),),
    ]
    subset = read_vcf(path, samples=["S3", "S1"])
    assert subset.samples == ("S3", "S1")
    assert match_sample(subset, Gene.CYP2C9, "S3").diplotypes == (("*2", "*3"),)
    assert match_sample(subset, Gene.CYP2C9, "S1").diplotypes == (("*1", "*1"),)


def test_unphased_phased_and_phase_set_genotypes_become_site_calls() -> None:
    unphased = read_vcf(fixture("cyp2c19_s1s4_unphased.vcf"))
    assert calls_at(unphased, Gene.CYP2C19, "rs12248560") == SiteCall(0, 1, None)
    phased = read_vcf(fixture("cyp2c19_phased_trans.vcf"))
    assert calls_at(phased, Gene.CYP2C19, "rs28399504") == SiteCall(1, 0, WHOLE_CHROMOSOME)
    with_sets = read_vcf(fixture("cyp2c19_two_phase_sets.vcf"))
    assert calls_at(with_sets, Gene.CYP2C19, "rs12248560") == SiteCall(0, 1, "100")
    assert calls_at(with_sets, Gene.CYP2C19, "rs28399504") == SiteCall(1, 0, "200")


def test_homozygous_calls_carry_no_phase_set() -> None:
    phased = read_vcf(fixture("cyp2c19_phased_trans.vcf"))
    assert calls_at(phased, Gene.CYP2C19, "rs3758581") == SiteCall(1, 1, None)


def test_no_calls_and_partial_calls_are_read_as_not_tested() -> None:
    for name in ("cyp2c19_nocall.vcf", "cyp2c19_partial_call.vcf"):
        genotypes = read_vcf(fixture(name))
        assert calls_at(genotypes, Gene.CYP2C19, "rs12248560") is None


def test_haploid_calls_have_no_second_allele() -> None:
    genotypes = read_vcf(fixture("cyp2c9_haploid.vcf"))
    assert calls_at(genotypes, Gene.CYP2C9, "rs1057910") == SiteCall(1, None)


def test_a_multiallelic_record_is_read_by_allele_index_and_noted() -> None:
    genotypes = read_vcf(fixture("cyp2c9_multiallelic.vcf"))
    # rs7900194 G>A,T: A defines *8, T defines *27.
    assert calls_at(genotypes, Gene.CYP2C9, "rs7900194") == SiteCall(1, 2, None)
    assert any("multiallelic record" in note for note in genotypes.notes[Gene.CYP2C9])
    assert diplotypes(fixture("cyp2c9_multiallelic.vcf"), Gene.CYP2C9) == (("*8", "*27"),)


def test_split_multiallelic_records_are_merged_into_one_genotype() -> None:
    genotypes = read_vcf(fixture("cyp2c9_split_multiallelic.vcf"))
    call = calls_at(genotypes, Gene.CYP2C9, "rs7900194")
    assert call is not None
    assert {call.first, call.second} == {1, 2}
    assert any("merged" in note for note in genotypes.notes[Gene.CYP2C9])
    assert diplotypes(fixture("cyp2c9_split_multiallelic.vcf"), Gene.CYP2C9) == (("*8", "*27"),)


def test_duplicate_records_that_agree_are_read_once_and_noted() -> None:
    genotypes = read_vcf(fixture("cyp2c9_duplicate_agree.vcf"))
    assert any("duplicate records" in note for note in genotypes.notes[Gene.CYP2C9])
    assert diplotypes(fixture("cyp2c9_duplicate_agree.vcf"), Gene.CYP2C9) == (("*1", "*3"),)


def test_a_ref_that_disagrees_with_the_definition_is_noted_and_bases_compared() -> None:
    (calls,) = call_file(str(fixture("cyp2c9_ref_mismatch.vcf"))).values()
    call = calls[Gene.CYP2C9]
    assert call.diplotypes == (("*1", "*3"),)
    assert any("REF C" in note and "differs" in note for note in call.notes)


def test_gvcf_reference_blocks_count_as_reference_calls() -> None:
    blocks = read_vcf(fixture("cyp2c19_gvcf_block.vcf"))
    full = read_vcf(fixture("cyp2c19_s2s17.vcf"))
    assert blocks.site_calls(Gene.CYP2C19, 0) == full.site_calls(Gene.CYP2C19, 0)


def test_gt_with_other_format_fields_in_any_order_is_read() -> None:
    with_dp = read_vcf(fixture("cyp2c9_gt_dp.vcf"))
    plain = read_vcf(fixture("cyp2c9_s1s3.vcf"))
    assert with_dp.site_calls(Gene.CYP2C9, 0) == plain.site_calls(Gene.CYP2C9, 0)


def test_the_build_is_reported_with_its_evidence() -> None:
    genotypes = read_vcf(fixture("cyp2c19_s2s17.vcf"))
    assert genotypes.build.build is GenomeBuild.GRCH38
    assert genotypes.build.evidence is BuildEvidence.CONTIG_LENGTH
    (calls,) = call_file(str(fixture("cyp2c19_s2s17.vcf"))).values()
    assert {call.build for call in calls.values()} == {GenomeBuild.GRCH38}


def test_a_large_cohort_file_takes_the_compact_and_general_paths_alike(tmp_path: Path) -> None:
    """Three-character GTs go through the byte-lane path; the same file with GT:DP does not."""
    compact, general = tmp_path / "gt.vcf", tmp_path / "gt_dp.vcf"
    with compact.open("w") as stream:
        cohort_vcf(stream, 300, seed=7)
    with general.open("w") as stream:
        cohort_vcf(stream, 300, seed=7, fmt="GT:DP")
    fast, slow = call_file(str(compact)), call_file(str(general))
    assert list(fast) == list(slow)
    for sample in fast:
        assert {g: c.diplotypes for g, c in fast[sample].items()} == {
            g: c.diplotypes for g, c in slow[sample].items()
        }


def test_the_committed_fixtures_are_what_make_fixtures_writes() -> None:
    script = fixture("make_fixtures.py")
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _copy_with_index(tmp_path: Path, name: str, suffix: str | None) -> Path:
    """The fixture (and its index, made newer than the data, as an index must be)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = tmp_path / name
    shutil.copyfile(fixture(name), data)
    if suffix is not None:
        index = tmp_path / f"{name}{suffix}"
        shutil.copyfile(fixture(f"{name}{suffix}"), index)
        later = data.stat().st_mtime + 10
        os.utime(index, (later, later))
    return data


@pytest.mark.parametrize("suffix", [".tbi", ".csi"])
def test_an_indexed_vcf_is_read_through_its_index_with_the_same_calls(
    suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from painpath.pgx.vcf.index import lines_in

    used = []

    def spy(path: str, chunks: list[tuple[int, int]], max_line: int) -> object:
        used.append(path)
        return lines_in(path, chunks, max_line)

    monkeypatch.setattr("painpath.pgx.vcf.text.lines_in", spy)
    indexed = read_vcf(_copy_with_index(tmp_path / "i", "wgs_like.vcf.gz", suffix))
    assert used
    scanned = read_vcf(_copy_with_index(tmp_path / "s", "wgs_like.vcf.gz", None))
    for gene in Gene:
        assert indexed.site_calls(gene, 0) == scanned.site_calls(gene, 0)
    assert match_sample(indexed, Gene.CYP2C19).diplotypes == S2S17


def test_an_indexed_gvcf_finds_the_reference_blocks(tmp_path: Path) -> None:
    indexed = read_vcf(_copy_with_index(tmp_path, "cyp2c19_gvcf_block.vcf.gz", ".tbi"))
    full = read_vcf(fixture("cyp2c19_s2s17.vcf"))
    assert indexed.site_calls(Gene.CYP2C19, 0) == full.site_calls(Gene.CYP2C19, 0)


def test_an_index_older_than_its_file_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _copy_with_index(tmp_path, "wgs_like.vcf.gz", ".tbi")
    old = data.stat().st_mtime - 100
    os.utime(f"{data}.tbi", (old, old))
    monkeypatch.setattr("painpath.pgx.vcf.text.lines_in", None)  # fails if the index is used
    assert match_sample(read_vcf(data), Gene.CYP2C19).diplotypes == S2S17
