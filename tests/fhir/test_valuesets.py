"""The packaged value sets: present, sourced, and in step with the derivation script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from painpath.fhir import value_set, value_sets_source
from painpath.fhir.valuesets import uds_substance
from tests.fhir.builders import LOINC, concept

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared/reference/opioid/opioid-cds-r4/vocabulary/valueset"


def test_value_sets_carry_their_source_and_codes() -> None:
    assert "b29bdcbf6db6f3de26486dbc3820572ee9a78b89" in value_sets_source()
    cancer = value_set("cancer")
    assert cancer.url.endswith("/cdc-malignant-cancer-conditions")
    assert cancer.version
    assert len(cancer.pairs) > 1000
    assert uds_substance(concept(LOINC, "14314-9")) == "cocaine"


def test_icd10_codes_match_with_or_without_the_dot() -> None:
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    assert value_set("cancer").matches(concept(icd, "C50.911"))
    assert value_set("cancer").matches(concept(icd, "C50911"))
    assert not value_set("cancer").matches(concept(icd, "J45.909"))


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"reference data not present at {SHARED}")
def test_packaged_file_is_what_the_script_derives() -> None:
    script = REPO / "scripts/derive_cds_valuesets.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
