"""The RxNorm formulary: every row well-formed, and the medicines the engines rely on present."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

import painpath.terminology
from painpath.terminology import (
    Drug,
    DrugClass,
    Strength,
    TermType,
    drugs_in_class,
    formulary,
    ingredient_of,
    lookup_rxnorm,
)

CDC_VALUE_SET = "http://fhir.org/guides/cdc/opioid-cds/ValueSet/"
ER_LA_OPIOIDS = CDC_VALUE_SET + "extended-release-opioid-with-ambulatory-misuse-potential"
UPSTREAM_COMMIT = "b29bdcbf6db6f3de26486dbc3820572ee9a78b89"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    text = (
        resources.files("painpath.terminology")
        .joinpath("data/rxnorm_formulary.json")
        .read_text(encoding="utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def drug(code: str) -> Drug:
    found = lookup_rxnorm(code)
    assert found is not None, f"{code} missing from the formulary"
    return found


def test_public_api_is_pinned() -> None:
    assert set(painpath.terminology.__all__) == {
        "CodeError",
        "Drug",
        "DrugClass",
        "Strength",
        "TermType",
        "check_icd10cm",
        "check_loinc",
        "check_snomed",
        "drugs_in_class",
        "formulary",
        "ingredient_of",
        "lookup_rxnorm",
    }


def test_formulary_names_its_sources_version_and_derivation(raw: dict[str, Any]) -> None:
    assert UPSTREAM_COMMIT in raw["source"]
    assert "ingredient (IN) concepts" in raw["source"]
    for value_set in raw["value_sets"]:
        assert value_set["title"] in raw["source"]
        assert value_set["url"].startswith(CDC_VALUE_SET)
        assert value_set["expansion"][:10] in raw["source"]
    assert raw["version"] == max(vs["expansion"][:10] for vs in raw["value_sets"])
    assert raw["retrieved"]
    assert raw["derived_by"] == "scripts/derive_formulary.py"
    assert formulary().version == raw["version"]


def test_every_row_is_well_formed(raw: dict[str, Any]) -> None:
    columns = raw["columns"]
    known_sets = {vs["url"] for vs in raw["value_sets"]}
    codes = []
    for values in raw["concepts"]:
        row = dict(zip(columns, values, strict=True))
        code = row["rxnorm_code"]
        codes.append(code)
        assert code.isdigit(), code
        assert not code.startswith("0"), code
        assert row["display"].strip() == row["display"] != "", code
        assert row["drug_class"] in set(DrugClass), code
        assert row["term_type"] in set(TermType), code
        assert row["ingredient"] == row["ingredient"].lower() != "", code
        assert set(row["value_sets"]) <= known_sets, code
        assert row["value_sets"] == sorted(set(row["value_sets"])), code
        if row["ingredients"] is not None:
            assert len(row["ingredients"]) > 1, code
            assert row["ingredient"] in row["ingredients"], code
        if row["term_type"] == "IN":
            assert row["display"] == row["ingredient"], code
            assert row["strength"] is row["dose_form"] is row["extended_release"] is None, code
            assert row["value_sets"] == [], code
        else:
            assert row["value_sets"], f"{code} is a product from no value set"
            assert row["dose_form"], code
            assert isinstance(row["extended_release"], bool), code
    assert codes == sorted(codes, key=int), "rows are sorted by code"
    assert len(codes) == len(set(codes)), "codes are unique"
    assert len(formulary().drugs) == len(codes)


def test_every_drug_loads_with_its_primary_ingredient_among_its_ingredients() -> None:
    for code, each in formulary().drugs.items():
        assert each.rxnorm_code == code
        assert each.ingredient in each.ingredients
        assert isinstance(each.drug_class, DrugClass)
        if each.strength is not None:
            assert each.strength.value > 0
            assert each.strength.unit.isupper()


def test_every_member_of_the_er_la_opioid_value_set_is_an_extended_release_opioid() -> None:
    members = [d for d in formulary().drugs.values() if ER_LA_OPIOIDS in d.value_sets]
    assert len(members) > 150
    for member in members:
        assert member.extended_release is True, member.display
        assert member.drug_class is DrugClass.opioid, member.display


def test_every_value_set_concept_is_in_the_formulary(raw: dict[str, Any]) -> None:
    for value_set in raw["value_sets"]:
        members = [d for d in formulary().drugs.values() if value_set["url"] in d.value_sets]
        assert len(members) == value_set["concepts"], value_set["url"]


def test_fentanyl_25_mcg_per_hour_patch_is_an_extended_release_opioid() -> None:
    patch = drug("245134")
    assert patch.display == "72 HR fentanyl 0.025 MG/HR Transdermal System"
    assert patch.drug_class is DrugClass.opioid
    assert patch.ingredient == "fentanyl"
    assert patch.strength == Strength(25, "MCG/HR")
    assert str(patch.strength) == "25 MCG/HR"
    assert patch.dose_form == "Transdermal System"
    assert patch.extended_release is True
    assert ER_LA_OPIOIDS in patch.value_sets


def test_buprenorphine_patch_strength_is_in_micrograms_per_hour() -> None:
    assert drug("1542997").strength == Strength(7.5, "MCG/HR")  # BuTrans 7.5 mcg/h


def test_alprazolam_is_a_benzodiazepine() -> None:
    tablet = drug("308047")
    assert tablet.display == "alprazolam 0.25 MG Oral Tablet"
    assert tablet.drug_class is DrugClass.benzodiazepine
    assert tablet.strength == Strength(0.25, "MG")
    assert tablet.extended_release is False
    assert tablet.term_type is TermType.SCD


def test_naloxone_nasal_spray_is_an_opioid_antagonist() -> None:
    spray = drug("1725064")
    assert spray.display == "naloxone hydrochloride 40 MG/ML Nasal Spray [Narcan]"
    assert spray.drug_class is DrugClass.opioid_antagonist
    assert spray.ingredient == "naloxone"
    assert spray.term_type is TermType.SBD


def test_oxycodone_with_acetaminophen_is_classed_by_its_opioid() -> None:
    percocet = drug("1049221")
    assert percocet.display == "acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet"
    assert percocet.ingredient == "oxycodone"
    assert percocet.ingredients == ("acetaminophen", "oxycodone")
    assert percocet.drug_class is DrugClass.opioid
    assert percocet.strength == Strength(5, "MG")  # the oxycodone, not the acetaminophen
    assert percocet.dose_form == "Oral Tablet"
    assert ingredient_of("1049221") == "oxycodone"


def test_buprenorphine_with_naloxone_is_an_opioid_not_an_antagonist() -> None:
    film = drug("1010600")
    assert film.display == "buprenorphine 2 MG / naloxone 0.5 MG Sublingual Film"
    assert film.drug_class is DrugClass.opioid
    assert film.ingredients == ("buprenorphine", "naloxone")
    assert film.strength == Strength(2, "MG")


def test_butalbital_with_codeine_is_an_opioid_still_listed_as_a_barbiturate() -> None:
    capsule = drug("994237")
    assert capsule.drug_class is DrugClass.opioid
    assert "butalbital" in capsule.ingredients
    assert CDC_VALUE_SET + "barbiturate-medications" in capsule.value_sets


def test_methadone_tablet_counts_as_long_acting() -> None:
    tablet = drug("864718")
    assert tablet.display == "methadone hydrochloride 5 MG Oral Tablet"
    assert tablet.extended_release is True  # CDC lists methadone with the ER/LA opioids


def test_twelve_hour_oxycodone_is_extended_release() -> None:
    tablet = drug("1049502")
    assert tablet.display == "12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet"
    assert tablet.extended_release is True
    assert tablet.dose_form == "Extended Release Oral Tablet"


def test_mixed_amphetamine_salts_have_no_single_strength() -> None:
    adderall = drug("577961")
    assert adderall.drug_class is DrugClass.stimulant
    assert adderall.ingredients == ("amphetamine", "dextroamphetamine")
    assert adderall.strength is None


def test_pack_takes_the_dose_form_of_the_drug_inside() -> None:
    subsys = drug("1740007")
    assert subsys.term_type is TermType.GPCK
    assert subsys.dose_form == "Mucosal Spray"
    assert subsys.strength == Strength(0.6, "MG/ACTUAT")


def test_hand_entered_ingredients_are_kept() -> None:
    assert drug("7804") == Drug("7804", "oxycodone", "oxycodone", DrugClass.opioid)
    assert drug("25480").drug_class is DrugClass.gabapentinoid
    assert drug("161").drug_class is DrugClass.analgesic
    assert drug("7242").drug_class is DrugClass.opioid_antagonist
    assert drug("7804").term_type is TermType.IN
    assert drug("7804").extended_release is None


def test_drugs_in_class_lists_every_member_and_nothing_else() -> None:
    gabapentinoids = drugs_in_class("gabapentinoid")
    assert {d.ingredient for d in gabapentinoids} == {"gabapentin", "pregabalin"}
    opioids = drugs_in_class(DrugClass.opioid)
    assert drug("245134") in opioids
    assert drug("7804") in opioids
    assert all(d.drug_class is DrugClass.opioid for d in opioids)
    total = sum(len(drugs_in_class(c)) for c in DrugClass)
    assert total == len(formulary().drugs)


def test_misspelt_drug_class_is_an_error_not_an_empty_list() -> None:
    with pytest.raises(ValueError, match="opiod"):
        drugs_in_class("opiod")


def test_unknown_code_has_no_drug_and_no_ingredient() -> None:
    assert lookup_rxnorm("999999999") is None
    assert ingredient_of("999999999") is None
    assert "999999999" not in formulary().drugs


def test_lookup_returns_the_same_drug_each_time() -> None:
    assert lookup_rxnorm("245134") is lookup_rxnorm("245134")
