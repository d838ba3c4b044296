"""Diplotype -> allele functions -> activity score -> phenotype, as the clinic reads it."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from painpath.pgx.genes import Gene, Phenotype
from painpath.pgx.phenotype import (
    allele_function,
    diplotype_phenotype,
    lookup_key,
    normalize_phenotype,
    phenotype_for_score,
    split_diplotype,
)
from painpath.pgx.tables import KNOWLEDGE_VERSION, SOURCES, gene_table


def test_cyp2d6_star1_star4_is_an_intermediate_metabolizer_with_score_1() -> None:
    result = diplotype_phenotype(Gene.CYP2D6, "*1", "*4")
    assert (result.activity_score, result.phenotype) == ("1.0", "Intermediate Metabolizer")
    assert [f.function for f in result.allele_functions] == ["Normal function", "No function"]


def test_cyp2d6_star41_counts_a_quarter_in_the_2024_data() -> None:
    assert allele_function("CYP2D6", "*41").activity_value == "0.25"
    assert allele_function("CYP2D6", "*9").activity_value == "0.25"
    assert allele_function("CYP2D6", "*10").activity_value == "0.25"
    assert diplotype_phenotype("CYP2D6", "*41", "*41").activity_score == "0.5"


def test_cyp2c9_star2_star2_is_an_intermediate_metabolizer_with_score_1() -> None:
    result = diplotype_phenotype("CYP2C9", "*2", "*2")
    assert (result.activity_score, result.phenotype) == ("1.0", "Intermediate Metabolizer")


def test_cyp2c9_star2_star3_is_a_poor_metabolizer() -> None:
    result = diplotype_phenotype("CYP2C9", "*2", "*3")
    assert (result.activity_score, result.phenotype) == ("0.5", "Poor Metabolizer")


@pytest.mark.parametrize(
    ("first", "second", "phenotype"),
    [
        ("*17", "*17", "Ultrarapid Metabolizer"),
        ("*1", "*17", "Rapid Metabolizer"),
        ("*1", "*1", "Normal Metabolizer"),
        ("*2", "*17", "Intermediate Metabolizer"),
        ("*1", "*9", "Likely Intermediate Metabolizer"),
        ("*2", "*9", "Likely Poor Metabolizer"),
        ("*2", "*3", "Poor Metabolizer"),
    ],
)
def test_cyp2c19_phenotype_follows_the_pair_of_allele_functions(
    first: str, second: str, phenotype: str
) -> None:
    result = diplotype_phenotype("CYP2C19", first, second)
    assert result.phenotype == phenotype
    assert result.activity_score is None
    assert result.lookup_key == phenotype


def test_an_allele_of_uncertain_function_makes_cyp2d6_indeterminate_and_says_why() -> None:
    result = diplotype_phenotype("CYP2D6", "*4", "*22")
    assert (result.phenotype, result.activity_score) == ("Indeterminate", "n/a")
    assert any("*22" in n and "uncertain function" in n for n in result.notes)


def test_an_allele_missing_from_the_cpic_table_is_indeterminate_with_a_reason() -> None:
    result = diplotype_phenotype("CYP2C9", "*1", "*76")
    assert result.phenotype == "Indeterminate"
    assert any("*76 is not in CPIC's CYP2C9 allele table" in n for n in result.notes)


def test_cyp2c19_uncertain_function_is_indeterminate_with_a_reason() -> None:
    result = diplotype_phenotype("CYP2C19", "*1", "*12")
    assert result.phenotype == "Indeterminate"
    assert result.notes == ("Indeterminate because *12 has uncertain function.",)


@pytest.mark.parametrize(
    ("first", "second", "score", "phenotype"),
    [
        ("*1x2", "*1", "3.0", "Ultrarapid Metabolizer"),
        ("*1", "*1x≥3", "≥4.0", "Ultrarapid Metabolizer"),
        ("*2x≥3", "*4", "≥3.0", "Ultrarapid Metabolizer"),
        ("*4x2", "*4", "0.0", "Poor Metabolizer"),
        ("*5", "*1", "1.0", "Intermediate Metabolizer"),
        ("*13", "*1", "1.0", "Intermediate Metabolizer"),
        ("*36+*10", "*1", "1.25", "Normal Metabolizer"),
        ("*13+*1", "*36+*10x2", "1.5", "Normal Metabolizer"),
    ],
)
def test_cyp2d6_copy_number_and_hybrids_from_a_lab(
    first: str, second: str, score: str, phenotype: str
) -> None:
    result = diplotype_phenotype("CYP2D6", first, second)
    assert (result.activity_score, result.phenotype) == (score, phenotype)


def test_three_copies_written_x3_use_cpics_x_at_least_3_allele_with_a_note() -> None:
    result = diplotype_phenotype("CYP2D6", "*2x3", "*4")
    assert (result.activity_score, result.phenotype) == ("3.0", "Ultrarapid Metabolizer")
    assert result.allele_functions[0].cpic_allele == "*2x≥3"
    assert any("*2 × 3" in n for n in result.notes)


def test_at_least_three_copies_count_as_three_with_a_note() -> None:
    result = diplotype_phenotype("CYP2D6", "*1", "*2x>=3")
    assert result.activity_score == "≥4.0"
    assert any("at least 4.0" in n for n in result.notes)


def test_a_copy_number_cpic_does_not_define_is_indeterminate_with_a_reason() -> None:
    result = diplotype_phenotype("CYP2D6", "*9x3", "*1")
    assert result.phenotype == "Indeterminate"
    assert any("only to specific copy-number alleles" in n for n in result.notes)


def test_a_no_function_allele_stays_no_function_at_any_copy_number() -> None:
    result = diplotype_phenotype("CYP2D6", "*13+*68x2+*4", "*68+*2")
    assert (result.activity_score, result.phenotype) == ("1.0", "Intermediate Metabolizer")


def test_lab_spelling_with_gene_prefix_and_suballele_is_understood() -> None:
    assert diplotype_phenotype("CYP2D6", "CYP2D6*3", "CYP2D6*4").phenotype == "Poor Metabolizer"
    result = diplotype_phenotype("CYP2D6", "*4.001", "*1")
    assert result.activity_score == "1.0"
    assert any("read as *4" in n for n in result.notes)


def test_oprm1_and_comt_are_genotypes_with_cpics_no_recommendation() -> None:
    oprm1 = diplotype_phenotype("OPRM1", "A", "G")
    assert (oprm1.diplotype, oprm1.phenotype, oprm1.activity_score) == ("A/G", None, None)
    assert any("no prescribing recommendation" in n for n in oprm1.notes)
    comt = diplotype_phenotype("COMT", "Met158", "Val")
    assert comt.diplotype == "G/A"
    assert "p.Val158Met" in comt.notes[0]
    with pytest.raises(ValueError, match="not an allele of OPRM1"):
        diplotype_phenotype("OPRM1", "A", "T")


def test_results_are_immutable_and_memoized() -> None:
    first = diplotype_phenotype("CYP2D6", "*1", "*4")
    assert diplotype_phenotype("CYP2D6", "*1", "*4") is first
    with pytest.raises(AttributeError):
        first.phenotype = "Poor Metabolizer"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.allele_functions[0].function = "No function"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("score", "key"),
    [("1.0", "1.0"), ("0.125", "0.25"), ("1.125", "1.0"), ("0.625", "0.5"), ("5.0", "≥5.0")],
)
def test_a_score_between_cpic_keys_is_advised_at_the_nearest_key_of_its_phenotype(
    score: str, key: str
) -> None:
    assert lookup_key("CYP2D6", score) == key


def test_cyp2d6_bands_are_cpics() -> None:
    assert phenotype_for_score("CYP2D6", 0.0) == Phenotype.POOR
    assert phenotype_for_score("CYP2D6", 1.0) == Phenotype.INTERMEDIATE
    assert phenotype_for_score("CYP2D6", 1.125) == Phenotype.INTERMEDIATE
    assert phenotype_for_score("CYP2D6", 1.25) == Phenotype.NORMAL
    assert phenotype_for_score("CYP2D6", 2.25) == Phenotype.NORMAL
    assert phenotype_for_score("CYP2D6", 2.5) == Phenotype.ULTRARAPID


def test_phenotype_spellings_from_labs() -> None:
    assert normalize_phenotype("poor metaboliser") == Phenotype.POOR
    assert normalize_phenotype("IM") == Phenotype.INTERMEDIATE
    with pytest.raises(ValueError, match="unknown phenotype"):
        normalize_phenotype("slow")


def test_split_diplotype_refuses_a_single_allele() -> None:
    assert split_diplotype(" *1 / *4 ") == ("*1", "*4")
    with pytest.raises(ValueError, match="two alleles"):
        split_diplotype("*1")


def test_knowledge_is_versioned_with_sources() -> None:
    assert KNOWLEDGE_VERSION
    for name in ("phenotypes/CYP2D6.json", "guidance/cpic/codeine.json", "inhibitors.json"):
        source = SOURCES[name]
        assert source.source
        assert source.version
        assert source.retrieved
        assert source.licence
    assert gene_table("CYP2D6").version == "2024-08-27-21-12"


_ALLELES = {gene: sorted(gene_table(gene).alleles) for gene in ("CYP2D6", "CYP2C9", "CYP2C19")}


@st.composite
def _diplotypes(draw: st.DrawFn) -> tuple[str, str, str]:
    gene = draw(st.sampled_from(sorted(_ALLELES)))
    return gene, draw(st.sampled_from(_ALLELES[gene])), draw(st.sampled_from(_ALLELES[gene]))


@given(_diplotypes())
def test_allele_order_does_not_matter(case: tuple[str, str, str]) -> None:
    gene, first, second = case
    assert diplotype_phenotype(gene, first, second) == diplotype_phenotype(gene, second, first)


@given(st.integers(min_value=0, max_value=40).map(lambda n: n / 4))
def test_every_cyp2d6_score_has_a_phenotype_and_an_advice_key(value: float) -> None:
    phenotype = phenotype_for_score("CYP2D6", value)
    key = lookup_key("CYP2D6", repr(value))
    assert key in gene_table("CYP2D6").phenotype_keys[phenotype]
