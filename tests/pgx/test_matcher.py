"""The named-allele matcher's behaviour: phase, missing positions, no-calls and notes."""

from __future__ import annotations

from pathlib import Path

from scripts.make_pgx_vcf import diplotype_vcf, samples_vcf

from painpath.pgx.definitions import data_version, load_definition
from painpath.pgx.genes import Gene
from painpath.pgx.matcher import (
    CYP2D6_NOTE,
    GeneCall,
    NoCallReason,
    call_file,
    iter_calls,
    matcher_for,
)
from painpath.pgx.vcf import SiteCall, read_vcf
from tests.pgx.fixtures import fixture


def gene_call(name: str, gene: Gene) -> GeneCall:
    (calls,) = call_file(str(fixture(name))).values()
    return calls[gene]


def write(tmp_path: Path, text: str, name: str = "sample.vcf") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_unphased_hets_are_scored_every_way_and_the_top_score_wins() -> None:
    # rs12248560 C/T and rs28399504 A/G: *1/*4 (score 38) or *4/*17 (score 5).
    call = gene_call("cyp2c19_s1s4_unphased.vcf", Gene.CYP2C19)
    assert call.diplotypes == (("*1", "*4"),)
    assert call.score == 38
    assert not call.phased


def test_phased_hets_on_different_haplotypes_give_the_trans_diplotype() -> None:
    call = gene_call("cyp2c19_phased_trans.vcf", Gene.CYP2C19)
    assert call.diplotypes == (("*4", "*17"),)
    assert call.phased


def test_phased_hets_on_one_haplotype_give_the_cis_diplotype() -> None:
    assert gene_call("cyp2c19_phased_cis.vcf", Gene.CYP2C19).diplotypes == (("*1", "*4"),)


def test_one_phase_set_is_honoured() -> None:
    call = gene_call("cyp2c19_one_phase_set.vcf", Gene.CYP2C19)
    assert call.diplotypes == (("*4", "*17"),)
    assert call.phased


def test_different_phase_sets_are_not_phased_relative_to_each_other() -> None:
    """PharmCAT issue #175: two PS blocks were read as one and CYP2C9 came out Unknown."""
    call = gene_call("cyp2c19_two_phase_sets.vcf", Gene.CYP2C19)
    assert call.diplotypes == gene_call("cyp2c19_s1s4_unphased.vcf", Gene.CYP2C19).diplotypes
    assert not call.phased


def test_a_missing_position_is_not_tested_and_never_assumed_reference() -> None:
    # A *2/*17 sample whose file lacks rs12248560 (the *17 position).
    call = gene_call("cyp2c19_missing_rs12248560.vcf", Gene.CYP2C19)
    assert [locus.rsid for locus in call.missing_positions] == ["rs12248560"]
    # *1 and *17 cannot be told apart without it: the top score prefers the longer *1
    # definition, and the result says what else stays possible.
    assert call.diplotypes == (("*1", "*2"),)
    assert ("*2", "*17") in call.possible_diplotypes_if_missing
    assert call.possible_count == len(call.possible_diplotypes_if_missing)
    assert any("never assumed reference" in note for note in call.notes)


def test_a_no_call_and_a_partial_call_count_as_missing() -> None:
    for name in ("cyp2c19_nocall.vcf", "cyp2c19_partial_call.vcf"):
        call = gene_call(name, Gene.CYP2C19)
        assert [locus.rsid for locus in call.missing_positions] == ["rs12248560"]
        assert ("*2", "*17") in call.possible_diplotypes_if_missing
        assert any("1 no-call" in note for note in call.notes)


def test_nothing_tested_is_a_no_call_with_its_reason() -> None:
    call = gene_call("cyp2c19_s2s17.vcf", Gene.OPRM1)
    assert not call.called
    assert call.no_call_reason is NoCallReason.NO_DATA
    assert call.missing_positions[0].rsid == "rs1799971"


def test_an_allele_no_definition_has_gives_a_no_call_naming_it() -> None:
    call = gene_call("cyp2c9_undocumented_allele.vcf", Gene.CYP2C9)
    assert call.diplotypes == ()
    assert call.no_call_reason is NoCallReason.UNDOCUMENTED_ALLELE
    assert any("allele G is not part of any CYP2C9 definition" in note for note in call.notes)


def test_genotypes_no_diplotype_fits_give_a_no_call(tmp_path: Path) -> None:
    # CYP2C9 *2 (rs1799853 T) and *3 (rs1057910 C) on one phased haplotype: no such allele.
    text = diplotype_vcf({Gene.CYP2C9: ("*1", "*1")}, genes=[Gene.CYP2C9])
    for rsid, ref, alt in (("rs1799853", "C", "T"), ("rs1057910", "A", "C")):
        text = text.replace(
            f"\t{rsid}\t{ref}\t.\t.\tPASS\t.\tGT\t0/0",
            f"\t{rsid}\t{ref}\t{alt}\t.\tPASS\t.\tGT\t0|1",
        )
    ((sample, calls),) = list(iter_calls(read_vcf(write(tmp_path, text))))
    assert sample == "SAMPLE"
    assert calls[Gene.CYP2C9].diplotypes == ()
    assert calls[Gene.CYP2C9].no_call_reason is NoCallReason.NO_MATCH


def test_all_haploid_genotypes_name_the_single_haplotype_but_call_no_diplotype() -> None:
    call = gene_call("cyp2c9_haploid.vcf", Gene.CYP2C9)
    assert call.diplotypes == ()
    assert call.no_call_reason is NoCallReason.HAPLOID
    assert call.haplotype_matches == ("*3",)
    assert any("copy number was not assessed" in note for note in call.notes)


def test_haploid_calls_among_diploid_ones_are_left_out() -> None:
    call = gene_call("cyp2c9_mixed_ploidy.vcf", Gene.CYP2C9)
    assert call.diplotypes == (("*1", "*1"),)
    assert [locus.rsid for locus in call.missing_positions] == ["rs1057910"]
    # *3 is defined by rs1057910 alone, so it cannot be tested and is listed as such.
    assert "*3" in call.untestable_alleles
    assert any("haploid call(s) among diploid ones" in note for note in call.notes)


def test_cyp2d6_calls_say_copy_number_and_hybrids_were_not_assessed(tmp_path: Path) -> None:
    path = write(tmp_path, diplotype_vcf({Gene.CYP2D6: ("*4", "*41")}, genes=[Gene.CYP2D6]))
    (calls,) = call_file(path).values()
    assert calls[Gene.CYP2D6].diplotypes == (("*4", "*41"),)
    assert CYP2D6_NOTE in calls[Gene.CYP2D6].notes
    assert "copy number" in CYP2D6_NOTE
    assert "hybrids" in CYP2D6_NOTE


def test_oprm1_and_comt_are_called_as_base_pairs() -> None:
    (calls,) = call_file(str(fixture("oprm1_comt.vcf"))).values()
    assert calls[Gene.OPRM1].diplotypes == (("A", "G"),)
    assert calls[Gene.COMT].diplotypes == (("A", "A"),)


def test_every_call_records_the_definition_data_version() -> None:
    (calls,) = call_file(str(fixture("cyp2c19_s2s17.vcf"))).values()
    assert {call.data_version for call in calls.values()} == {data_version()}
    assert data_version().startswith("painpath-alleles-")


def test_unphased_genotypes_that_two_diplotypes_explain_go_to_the_longer_definition(
    tmp_path: Path,
) -> None:
    """CYP2C19 *1/*34 and *38/*40 are the same unphased genotype; *40 (3 positions) outscores
    *34 (2 positions), as in PharmCAT. Phased data tells them apart."""
    for phased, expected in ((False, ("*38", "*40")), (True, ("*1", "*34"))):
        text = diplotype_vcf({Gene.CYP2C19: ("*1", "*34")}, genes=[Gene.CYP2C19], phased=phased)
        (calls,) = call_file(write(tmp_path, text, f"s1s34_{phased}.vcf")).values()
        assert calls[Gene.CYP2C19].diplotypes == (expected,)


def test_samples_with_the_same_genotypes_share_one_call(tmp_path: Path) -> None:
    text = samples_vcf(
        {
            "A": {Gene.CYP2C9: ("*1", "*3")},
            "B": {Gene.CYP2C9: ("*2", "*3")},
            "C": {Gene.CYP2C9: ("*3", "*1")},
        },
        genes=[Gene.CYP2C9],
    )
    results = dict(iter_calls(read_vcf(write(tmp_path, text))))
    assert list(results) == ["A", "B", "C"]
    assert results["A"][Gene.CYP2C9] is results["C"][Gene.CYP2C9]
    assert results["B"][Gene.CYP2C9].diplotypes == (("*2", "*3"),)


def test_the_matcher_reads_blank_definition_cells_as_the_reference_allele() -> None:
    matcher = matcher_for(Gene.CYP2C19)
    definition = load_definition(Gene.CYP2C19)
    reference = definition.reference
    assert reference.name == "*38"
    # *17 leaves rs28399504 blank: its haplotype carries *38's A (token 0) there.
    index = next(p.index for p in definition.positions if p.locus.rsid == "rs28399504")
    star17 = 1 << [a.name for a in definition.alleles].index("*17")
    assert matcher.carriers[index][0] & star17
    assert not matcher.carriers[index].get(1, 0) & star17


def test_an_iupac_code_in_a_definition_matches_each_of_its_bases() -> None:
    # CYP2C19*4 has Y (C or T) at rs12248560: *4 with C there and *4 with T there both fit.
    matcher = matcher_for(Gene.CYP2C19)
    definition = load_definition(Gene.CYP2C19)
    index = next(p.index for p in definition.positions if p.locus.rsid == "rs12248560")
    star4 = 1 << [a.name for a in definition.alleles].index("*4")
    assert matcher.carriers[index][0] & star4
    assert matcher.carriers[index][1] & star4


def test_match_results_are_memoized_per_genotype_pattern() -> None:
    matcher = matcher_for(Gene.OPRM1)
    first = matcher.match((SiteCall(0, 1),))
    assert matcher.match((SiteCall(0, 1),)) is first
    assert first.diplotypes == (("A", "G"),)
