"""scripts/derive_formulary.py: RxNorm names parsed right, and the committed table reproducible."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "derive_formulary.py"
COMMITTED = REPO / "src" / "painpath" / "terminology" / "data" / "rxnorm_formulary.json"
REFERENCE = REPO.parent / "shared" / "reference"
VALUESETS = REFERENCE / "opioid" / "opioid-cds-r4" / "vocabulary" / "valueset"

needs_reference = pytest.mark.skipif(
    not VALUESETS.is_dir(),
    reason=f"reference data absent ({VALUESETS}): the formulary cannot be re-derived here",
)


@pytest.fixture(scope="module")
def derive() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("derive_formulary", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_combination_names_the_opioid_as_primary_ingredient(derive: ModuleType) -> None:
    name = "acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet [Percocet]"
    parsed = derive.parse_name(name)
    assert parsed.term_type == "SBD"
    assert parsed.ingredients == ("acetaminophen", "oxycodone")
    assert parsed.dose_form == "Oral Tablet"
    assert not parsed.timed_release
    assert derive.primary_ingredient(parsed.ingredients, name) == ("oxycodone", "opioid")
    assert derive.strength_of(parsed, "opioid") == "5 MG"


def test_qualifiers_and_quantity_are_not_part_of_the_ingredient(derive: ModuleType) -> None:
    parsed = derive.parse_name(
        "Abuse-Deterrent 12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet"
    )
    assert parsed.ingredients == ("oxycodone",)
    assert parsed.timed_release
    syringe = derive.parse_name("0.5 ML buprenorphine 200 MG/ML Prefilled Syringe [Sublocade]")
    assert syringe.strengths == (("buprenorphine", Decimal("200"), "MG/ML"),)
    assert syringe.dose_form == "Prefilled Syringe"


def test_opioid_patch_rate_is_written_in_micrograms_per_hour(derive: ModuleType) -> None:
    parsed = derive.parse_name("72 HR fentanyl 0.0375 MG/HR Transdermal System")
    assert derive.strength_of(parsed, "opioid") == "37.5 MCG/HR"
    stimulant = derive.parse_name("9 HR dextroamphetamine 1 MG/HR Transdermal System")
    assert derive.strength_of(stimulant, "stimulant") == "1 MG/HR"


def test_pack_of_several_strengths_has_no_single_strength(derive: ModuleType) -> None:
    parsed = derive.parse_name(
        "{7 (sodium oxybate 4500 MG Granules for Oral Suspension) / 14 (sodium oxybate 6000 MG "
        "Granules for Oral Suspension) } Pack"
    )
    assert parsed.term_type == "GPCK"
    assert parsed.ingredients == ("sodium oxybate",)
    assert derive.strength_of(parsed, "sedative_hypnotic") is None


def test_salt_words_are_dropped_only_from_the_end(derive: ModuleType) -> None:
    assert derive.ingredient_name("morphine sulfate liposomal") == "morphine"
    assert derive.ingredient_name("clorazepate dipotassium") == "clorazepate"
    assert derive.ingredient_name("sodium oxybate") == "sodium oxybate"


def test_unclassified_product_stops_the_derivation(derive: ModuleType) -> None:
    with pytest.raises(ValueError, match="no classified ingredient"):
        derive.primary_ingredient(("acetaminophen", "caffeine"), "acetaminophen / caffeine")


def test_name_outside_rxnorm_conventions_stops_the_derivation(derive: ModuleType) -> None:
    with pytest.raises(ValueError, match="cannot parse"):
        derive.parse_name("oxycodone five milligram tablet")


@needs_reference
def test_rerunning_the_derivation_reproduces_the_committed_file(tmp_path: Path) -> None:
    output = tmp_path / "rxnorm_formulary.json"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--valuesets", str(VALUESETS), "--output", str(output)],
        check=True,
        capture_output=True,
    )
    assert output.read_bytes() == COMMITTED.read_bytes(), (
        "src/painpath/terminology/data/rxnorm_formulary.json is stale: "
        "run scripts/derive_formulary.py and commit the result"
    )


@needs_reference
def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "rxnorm_formulary.json"
    stale.write_text("{}\n", encoding="utf-8")
    command = [sys.executable, str(SCRIPT), "--check", "--valuesets", str(VALUESETS)]
    result = subprocess.run(
        [*command, "--output", str(stale)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "stale" in result.stderr
