"""CPIC advice for pain medicines, read like the clinic reads it."""

from __future__ import annotations

import json
import time

import pytest

from painpath.pgx.advice import Advice, advise, interpret
from painpath.pgx.genes import Gene
from painpath.pgx.phenotype import diplotype_phenotype
from painpath.pgx.tables import KNOWLEDGE_VERSION, known_drugs

OTHER_OPIOIDS = [
    "morphine",
    "hydromorphone",
    "oxymorphone",
    "fentanyl",
    "methadone",
    "tapentadol",
    "buprenorphine",
]


def _one(drug: str, **calls: str) -> Advice:
    found = interpret(calls, drugs=[drug]).drugs[drug]
    assert len(found) == 1, found
    return found[0]


def test_codeine_is_avoided_for_cyp2d6_poor_metabolizer() -> None:
    advice = _one("codeine", CYP2D6="*4/*4")
    assert advice.recommendation.strength == "Strong"
    assert advice.recommendation.recommendation.startswith("Do not use codeine")
    assert "morphine" in advice.alternatives
    assert "tramadol" not in advice.alternatives
    assert advice.based_on[0].lookup_keys == ("0.0",)
    assert advice.based_on[0].diplotypes == ("*4/*4",)


def test_codeine_is_avoided_for_cyp2d6_ultrarapid_metabolizer_because_of_toxicity() -> None:
    advice = _one("codeine", CYP2D6="*1/*1x2")
    assert advice.recommendation.strength == "Strong"
    assert "toxicity" in advice.recommendation.recommendation


def test_codeine_normal_metabolizer_gets_the_label_dose() -> None:
    advice = _one("codeine", CYP2D6="*1/*2")
    assert advice.recommendation.recommendation.startswith("Prescribe codeine at the usual")


def test_tramadol_intermediate_metabolizer_is_an_optional_watch_and_switch() -> None:
    advice = _one("tramadol", CYP2D6="*1/*4")
    assert advice.recommendation.strength == "Optional"
    assert "not codeine" in advice.recommendation.recommendation


def test_hydrocodone_has_no_recommendation_for_ultrarapid_metabolizers() -> None:
    advice = _one("hydrocodone", CYP2D6="*1x2/*1")
    assert advice.recommendation.strength == "No Recommendation"


def test_oxycodone_has_no_cyp2d6_based_recommendation() -> None:
    for diplotype in ("*4/*4", "*1/*1", "*1x2/*1"):
        advice = _one("oxycodone", CYP2D6=diplotype)
        assert advice.recommendation.strength == "No Recommendation"
        assert advice.recommendation.recommendation.startswith("No gene-based change")


@pytest.mark.parametrize("drug", OTHER_OPIOIDS)
def test_other_opioids_need_no_gene_based_change(drug: str) -> None:
    advice = _one(drug, CYP2D6="*4/*4")
    assert advice.recommendation.strength == "No Recommendation"
    assert "No gene-based change" in advice.recommendation.recommendation
    assert "2021" in advice.recommendation.citation


def test_oprm1_and_comt_get_cpics_explicit_no_recommendation_for_opioids() -> None:
    result = interpret({"OPRM1": "A/G", "COMT": "Val/Met", "CYP2D6": "*1/*1"}, drugs=["morphine"])
    genes = {b.gene for a in result.drugs["morphine"] for b in a.based_on}
    assert genes == {Gene.OPRM1, Gene.COMT}
    receptor = [a for a in result.drugs["morphine"] if a.based_on]
    assert {a.recommendation.strength for a in receptor} == {"No Recommendation"}
    assert all("no prescribing recommendation" in a.recommendation.recommendation for a in receptor)
    assert result.genes[Gene.OPRM1].phenotype is None


def test_meloxicam_dose_differs_between_cyp2c9_as_1_and_1_5() -> None:
    as_1 = _one("meloxicam", CYP2C9="*2/*2").recommendation
    as_1_5 = _one("meloxicam", CYP2C9="*1/*2").recommendation
    assert as_1.recommendation.startswith("Start meloxicam at half of the lowest")
    assert as_1_5.recommendation.startswith("Start meloxicam at the usual dose")
    assert as_1.strength == as_1_5.strength == "Moderate"


def test_celecoxib_poor_metabolizer_starts_at_a_quarter_to_half_of_the_lowest_dose() -> None:
    advice = _one("celecoxib", CYP2C9="*3/*3")
    assert "quarter to half of the lowest" in advice.recommendation.recommendation
    assert advice.alternatives == ("aspirin", "ketorolac", "naproxen", "sulindac")


def test_piroxicam_is_avoided_for_cyp2c9_score_1() -> None:
    advice = _one("piroxicam", CYP2C9="*1/*3")
    assert advice.recommendation.recommendation.startswith("Avoid piroxicam")
    assert "piroxicam" not in advice.alternatives


def test_indeterminate_cyp2c9_has_no_recommendation() -> None:
    advice = _one("ibuprofen", CYP2C9="*1/*7").recommendation
    assert advice.strength == "No Recommendation"


def test_amitriptyline_uses_both_genes() -> None:
    both = _one("amitriptyline", CYP2D6="*1/*1", CYP2C19="*2/*2")
    assert [b.gene for b in both.based_on] == [Gene.CYP2D6, Gene.CYP2C19]
    assert both.recommendation.strength == "Moderate"
    assert both.recommendation.recommendation.startswith("Avoid amitriptyline")
    rapid = _one("amitriptyline", CYP2D6="*1/*1", CYP2C19="*1/*17").recommendation
    assert rapid.strength == "Optional"
    assert "CYP2C19 does not clear" in rapid.recommendation


def test_amitriptyline_falls_back_to_cyp2c19_when_cyp2d6_was_not_tested() -> None:
    advice = _one("amitriptyline", CYP2C19="Poor Metabolizer")
    assert advice.recommendation.strength == "Moderate"
    assert "nortriptyline" in advice.alternatives
    assert advice.based_on[0].lookup_keys == ("No Result",)


def test_amitriptyline_with_normal_cyp2d6_and_indeterminate_cyp2c19_has_no_recommendation() -> None:
    advice = _one("amitriptyline", CYP2D6="*1/*1", CYP2C19="*1/*12")
    assert advice.recommendation.strength == "No Recommendation"


def test_an_untested_gene_says_so_for_a_single_gene_drug() -> None:
    advice = _one("codeine", CYP2C19="*1/*1")
    assert advice.recommendation.strength == "No Result"
    assert "not tested" in advice.recommendation.recommendation


def test_nortriptyline_for_a_phenotype_only_im_lists_both_strengths_in_the_range() -> None:
    found = interpret({"CYP2D6": "Intermediate Metabolizer"}, drugs=["nortriptyline"])
    advice = found.drugs["nortriptyline"]
    strengths = {a.recommendation.strength: a.based_on[0].lookup_keys for a in advice}
    assert strengths == {"Moderate": ("0.25", "0.5"), "Optional": ("0.75", "1.0")}


def test_tied_diplotypes_with_different_phenotypes_get_advice_for_each() -> None:
    ties = [("*1", "*1"), ("*1", "*17"), ("*17", "*17")]
    result = interpret({Gene.CYP2C19: ties}, drugs=["amitriptyline"])
    assert result.genes[Gene.CYP2C19].phenotype is None
    assert len(result.drugs["amitriptyline"]) == 2
    assert any("different phenotypes" in n for n in result.genes[Gene.CYP2C19].notes)


def test_an_unknown_drug_is_refused_with_the_known_ones_listed() -> None:
    with pytest.raises(ValueError, match="no guidance for 'aspirin'"):
        advise("aspirin", {})
    with pytest.raises(ValueError, match="no guidance for aspirin"):
        interpret({}, drugs=["aspirin"])


def test_dpwg_is_off_by_default_and_carries_its_caveat_when_asked_for() -> None:
    assert {r.source for r in advise("codeine", {"CYP2D6": "0.0"})} == {"CPIC"}
    found = advise("codeine", {"CYP2D6": "0.0"}, include_dpwg=True)
    dpwg = [r for r in found if r.source == "DPWG"]
    assert len(dpwg) == 1
    assert any("*9 and *41" in n for n in dpwg[0].notes)


def test_the_recommend_command_example_gives_json_with_the_data_version() -> None:
    result = interpret(
        {"CYP2D6": "*1/*4", "CYP2C19": "Poor Metabolizer"}, meds=["paroxetine"], drugs=["codeine"]
    )
    data = json.loads(json.dumps(result.to_json()))
    assert data["knowledge"]["version"] == KNOWLEDGE_VERSION
    gene = data["genes"]["CYP2D6"]
    assert {"diplotypes", "allele_functions", "activity_score", "phenotype"} <= set(gene)
    assert (gene["phenotype"], gene["phenoconverted_phenotype"]) == (
        "Intermediate Metabolizer",
        "Poor Metabolizer",
    )
    (codeine,) = data["drugs"]["codeine"]
    assert {"guideline", "version", "strength", "implication", "recommendation"} <= set(codeine)
    assert codeine["based_on"]["phenoconverted_by"] == {"CYP2D6": ["paroxetine"]}
    assert codeine["strength"] == "Strong"


def test_all_drugs_by_default() -> None:
    result = interpret({"CYP2D6": "*1/*1", "CYP2C9": "*1/*1", "CYP2C19": "*1/*1"})
    assert set(result.drugs) == set(known_drugs())
    assert all(result.drugs.values())


def test_a_diplotype_to_phenotype_and_advice_lookup_is_a_dict_hit() -> None:
    def lookup() -> None:
        found = diplotype_phenotype("CYP2D6", "*1", "*4")
        advise("codeine", {"CYP2D6": found.lookup_key})

    lookup()
    start = time.perf_counter()
    for _ in range(10_000):
        lookup()
    per_call = (time.perf_counter() - start) / 10_000
    assert per_call < 50e-6  # the benchmark targets 10 µs; loose here for shared CI machines
