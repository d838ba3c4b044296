"""Lab-reported calls (PharmCAT-style outside-call TSV)."""

from __future__ import annotations

from pathlib import Path

import pytest

from painpath.pgx.advice import interpret
from painpath.pgx.genes import Gene
from painpath.pgx.outside_calls import (
    OutsideCall,
    OutsideCallError,
    gene_result,
    parse_call,
    parse_outside_calls,
    read_outside_calls,
)

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared/reference/pgx/pharmcat"
needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference data not present at {REFERENCE} (../shared)"
)


@needs_reference
@pytest.mark.parametrize("name", ["PharmCATTest-cyp2d6.outsideCall.tsv", "outside_CYP2D6.tsv"])
def test_pharmcat_outside_call_files_give_a_cyp2d6_poor_metabolizer(name: str) -> None:
    calls = read_outside_calls(REFERENCE / "test_vcfs" / name)
    result = gene_result(calls.calls[Gene.CYP2D6])
    assert result.diplotypes[0].diplotype == "*3/*4"
    assert (result.activity_score, result.phenotype) == ("0.0", "Poor Metabolizer")


@needs_reference
def test_pharmcat_example_outside_calls_skip_genes_painpath_does_not_interpret() -> None:
    calls = read_outside_calls(REFERENCE / "examples/pharmcat.example.outsideCall.tsv")
    assert list(calls.calls) == [Gene.CYP2D6]
    assert [w.split(":")[0] for w in calls.warnings] == ["line 2", "line 3"]
    result = gene_result(calls.calls[Gene.CYP2D6])
    # the example report (pharmcat.example.report.tsv) calls *1/*3 an IM with score 1.0
    assert (result.activity_score, result.phenotype) == ("1.0", "Intermediate Metabolizer")


def test_a_phenotype_alone_stands_for_every_score_of_that_phenotype() -> None:
    calls = parse_outside_calls("CYP2D6\t\tIntermediate Metabolizer\n")
    result = gene_result(calls.calls[Gene.CYP2D6])
    assert result.lookup_keys == ("0.25", "0.5", "0.75", "1.0")
    assert result.activity_score is None


def test_an_activity_score_alone_is_enough_for_cyp2c9() -> None:
    result = gene_result(parse_outside_calls("CYP2C9\t\t\t2\n").calls[Gene.CYP2C9])
    assert (result.activity_score, result.phenotype) == ("2.0", "Normal Metabolizer")


def test_the_score_wins_over_the_diplotype_with_a_warning() -> None:
    text = "# lab report\nCYP2D6\t*1/*4\t\t1.5\n"
    result = gene_result(parse_outside_calls(text).calls[Gene.CYP2D6])
    assert (result.activity_score, result.phenotype, result.lookup_keys) == (
        "1.5",
        "Normal Metabolizer",
        ("1.5",),
    )
    assert any(n.startswith("Warning") and "1.0" in n for n in result.notes)
    advice = interpret({"CYP2D6": parse_outside_calls(text).calls[Gene.CYP2D6]}, drugs=["codeine"])
    assert advice.drugs["codeine"][0].recommendation.strength == "Strong"


def test_for_cyp2c19_the_reported_phenotype_wins_with_a_warning() -> None:
    text = "CYP2C19\t*1/*2\tPoor Metabolizer\n"
    result = gene_result(parse_outside_calls(text).calls[Gene.CYP2C19])
    assert result.lookup_keys == ("Poor Metabolizer",)
    assert any(n.startswith("Warning") for n in result.notes)


def test_copy_number_and_hybrids_in_a_lab_file() -> None:
    text = "CYP2D6\t*13 + *1/*36 + *10x2\nCYP2C9\t*1/*2\n"
    result = gene_result(parse_outside_calls(text).calls[Gene.CYP2D6])
    assert (result.activity_score, result.phenotype) == ("1.5", "Normal Metabolizer")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CYP2D6\t*1/*4\t\t1.0\textra\n", "line 1: expected at most 4"),
        ("#c\n\nCYP2D6\t*1\n", "line 3: CYP2D6: a diplotype is two alleles"),
        ("CYP2D6\t\tslow\n", "line 1: CYP2D6: unknown phenotype"),
        ("CYP2D6\t\t\tlots\n", "line 1: CYP2D6: could not convert"),
        ("CYP2C19\t\t\t1.0\n", "line 1: CYP2C19: CYP2C19 has no activity score"),
        ("OPRM1\t\tPoor Metabolizer\n", "line 1: OPRM1: OPRM1 is reported as a genotype"),
        ("OPRM1\tA/T\n", "line 1: OPRM1: 'T' is not an allele"),
        ("CYP2D6\t*1/*1\nCYP2D6\t*1/*4\n", "line 2: CYP2D6 was already given on line 1"),
        ("CYP2D6\n", "line 1: CYP2D6: no diplotype, phenotype or activity score"),
        ("\t*1/*1\n", "line 1: the gene column is empty"),
    ],
)
def test_bad_lines_give_line_numbered_errors(text: str, message: str) -> None:
    with pytest.raises(OutsideCallError, match=message):
        parse_outside_calls(text)


def test_command_line_values_are_read_as_diplotype_phenotype_or_score() -> None:
    assert parse_call("CYP2D6", "*1/*4") == OutsideCall(Gene.CYP2D6, diplotype="*1/*4")
    assert parse_call("cyp2c19", "poor metabolizer").phenotype == "Poor Metabolizer"
    assert parse_call(Gene.CYP2C9, "1.5").activity_score == "1.5"
