"""Instrument definitions are data with source, version and licence, walked file by file."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import pytest

import painpath.monitoring.instruments
from painpath.monitoring.instruments import InstrumentError, catalog, definition

PUBLIC = {
    "Answers", "Definition", "Flag", "InstrumentError", "Item", "ScoreResult", "Severity",
    "catalog", "definition", "item_flags", "score", "t_score", "to_fhir_observation",
    "to_fhir_questionnaire", "to_fhir_questionnaire_response",
}  # fmt: skip

EXPECTED_IDS = {
    "nrs", "peg", "bpi-sf", "phq-9", "phq-2", "gad-7", "gad-2", "odi", "pcs", "promis-pi-4a",
    "promis-pi-6a", "promis-pi-6b", "promis-pi-8a", "promis-pain-intensity-3a", "ort", "ort-oud",
    "start-back",
}  # fmt: skip

DEFINITION_FILES = sorted(
    entry.name
    for entry in resources.files("painpath.monitoring.instruments")
    .joinpath("definitions")
    .iterdir()
    if entry.name.endswith(".json")
)


def test_the_public_api_is_pinned() -> None:
    assert set(painpath.monitoring.instruments.__all__) == PUBLIC
    assert all(hasattr(painpath.monitoring.instruments, name) for name in PUBLIC)


def test_the_engine_imports_no_web_database_or_settings() -> None:
    code = (
        "import sys, painpath.monitoring.instruments, painpath.monitoring.change;"
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'painpath.config', 'painpath.db',"
        " 'painpath.models', 'painpath.web', 'fhir.resources') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_catalog_holds_every_instrument_of_issue_5() -> None:
    assert {d.id for d in catalog()} == EXPECTED_IDS


@pytest.mark.parametrize("name", DEFINITION_FILES)
def test_every_definition_file_names_its_source_version_and_licence(name: str) -> None:
    raw = json.loads(
        resources.files("painpath.monitoring.instruments")
        .joinpath("definitions", name)
        .read_text(encoding="utf-8")
    )
    assert name == f"{raw['id']}.json"
    for field in ("title", "version", "definition_version", "retrieved", "licence"):
        assert raw[field], field
    source = raw["source"]
    for field in ("citation", "authors", "publication"):
        assert source[field], field
    assert isinstance(source["year"], int)
    assert source["url"].startswith("https://")
    found = definition(raw["id"])
    ids = [item.id for item in found.items]
    assert len(ids) == len(set(ids))
    for item in found.items:
        assert item.min < item.max
        assert item.labels is None or len(item.labels) == item.max - item.min + 1
    for subscale in found.subscales:
        assert set(subscale.items) <= set(ids)
    for code in (found.loinc.panel, found.loinc.total):
        assert code is None or (code.code and code.source)


@pytest.mark.parametrize("name", ["bpi-sf", "odi", "pcs"])
def test_licensed_instruments_carry_topics_and_say_so(name: str) -> None:
    found = definition(name)
    assert "licence" in found.licence.lower() or "permission" in found.licence.lower()
    assert all(len(item.text) <= 60 for item in found.items)


def loinc_check_digit(number: str) -> int:
    """LOINC's mod-10 check digit (LOINC Users' Guide, appendix on check digits)."""
    reversed_digits = number[::-1]
    odd = reversed_digits[0::2][::-1]  # 1st, 3rd, … from the right, doubled
    even = reversed_digits[1::2][::-1]
    total = sum(int(ch) for ch in even + str(int(odd) * 2))
    return (10 - total % 10) % 10


def test_the_check_digit_matches_the_loinc_guide_example() -> None:
    assert loinc_check_digit("12345") == 5


def test_every_loinc_code_has_a_valid_check_digit() -> None:
    codes = [
        code.code for d in catalog() for code in (d.loinc.panel, d.loinc.total) if code is not None
    ] + [item.loinc for d in catalog() for item in d.items if item.loinc]
    assert len(codes) >= 20
    for code in codes:
        number, _, check = code.partition("-")
        assert number.isdigit(), code
        assert len(check) == 1, code
        assert loinc_check_digit(number) == int(check), code


@pytest.mark.parametrize("spelling", ["PHQ-9", "phq9", "Phq_9", " phq 9 "])
def test_instrument_ids_are_matched_loosely(spelling: str) -> None:
    assert definition(spelling).id == "phq-9"


def test_an_unknown_instrument_is_refused_with_the_known_ids() -> None:
    with pytest.raises(InstrumentError, match=r"unknown instrument 'phq-10'; known: .*phq-9"):
        definition("phq-10")


def test_the_catalog_describes_each_instrument() -> None:
    described = {d.id: d.describe() for d in catalog()}
    assert described["promis-pi-4a"]["t_score_available"] is True
    assert described["promis-pi-6a"]["t_score_available"] is True
    assert described["promis-pain-intensity-3a"]["t_score_available"] is False
    assert described["phq-9"]["t_score_available"] is None
    assert described["odi"]["items"] == 10
