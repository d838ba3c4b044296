"""MME conversion factors: CDC 2022 by default, CDC 2016 selectable, gaps never counted as 0."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from importlib import resources

import pytest

from painpath.opioids import FactorTableName, MmeStatus, factor_table
from tests.opioids.helpers import med, mme_of, oral, run

CDC_2022_ORAL = {
    "codeine": "0.15",
    "hydrocodone": "1",
    "hydromorphone": "5",
    "methadone": "4.7",
    "morphine": "1",
    "oxycodone": "1.5",
    "oxymorphone": "3",
    "tapentadol": "0.4",
    "tramadol": "0.2",
}


@pytest.mark.parametrize(("ingredient", "factor"), sorted(CDC_2022_ORAL.items()))
def test_every_cdc_2022_oral_factor_converts_100_mg_a_day(ingredient: str, factor: str) -> None:
    assert mme_of(oral(ingredient, 50, 2)) == pytest.approx(100 * float(factor))
    assert factor_table("cdc2022").oral_mg[ingredient] == Decimal(factor)


def test_cdc_2022_covers_exactly_the_guideline_table() -> None:
    table = factor_table()
    assert table.name is FactorTableName.cdc2022
    assert dict(table.oral_mg) == {k: Decimal(v) for k, v in CDC_2022_ORAL.items()}
    assert table.transdermal_mcg_per_h == {"fentanyl": Decimal("2.4")}
    assert "buprenorphine" in table.excluded


def test_fentanyl_75_mcg_per_hour_patch_is_180_mme_under_both_tables() -> None:
    patch = med("fentanyl", patch_mcg_per_h=75)
    assert mme_of(patch) == 180
    assert mme_of(patch, factors="cdc2016") == 180


def test_tramadol_and_tapentadol_are_counted_under_2022_not_dropped() -> None:
    result = run(oral("tramadol", 50, 4), oral("tapentadol", 100, 2))
    assert float(result.mme.total or 0) == pytest.approx(40 + 80)
    assert result.mme.is_complete


def test_tramadol_and_tapentadol_cannot_be_computed_under_2016() -> None:
    result = run(oral("tramadol", 50, 4), oral("morphine", 30, 1), factors="cdc2016")
    tramadol, morphine = result.mme.per_medication
    assert tramadol.status is MmeStatus.no_conversion_factor
    assert tramadol.mme_per_day is None
    assert morphine.mme_per_day == 30
    assert result.mme.total == 30
    assert not result.mme.is_complete
    document = result.as_json()
    assert document["total_is_lower_bound"] is True
    assert document["uncounted"][0]["ingredient"] == "tramadol"
    assert "NO_CONVERSION_FACTOR" in result.codes


def test_hydromorphone_is_4_under_2016_and_5_under_2022() -> None:
    assert mme_of(oral("hydromorphone", 4, 4), factors="cdc2016") == 64
    assert mme_of(oral("hydromorphone", 4, 4)) == 80


@pytest.mark.parametrize(
    ("mg_per_day", "factor"),
    [(10, 4), (20, 4), (21, 8), (40, 8), (41, 10), (60, 10), (61, 12), (120, 12)],
)
def test_2016_methadone_factor_rises_with_the_daily_dose(mg_per_day: int, factor: int) -> None:
    result = run(oral("methadone", mg_per_day, 1), factors="cdc2016")
    (line,) = result.mme.per_medication
    assert line.factor == factor
    assert line.mme_per_day == mg_per_day * factor
    assert "methadone factor" in line.notes[0]


def test_2022_methadone_is_a_single_factor_with_a_caution() -> None:
    result = run(oral("methadone", 10, 3))
    assert float(result.mme.total or 0) == pytest.approx(141)
    assert "METHADONE_CAUTION" in result.codes


def test_buprenorphine_is_left_out_of_the_total_with_a_note() -> None:
    result = run(oral("buprenorphine", 8, 2), oral("oxycodone", 5, 2))
    bup = result.mme.per_medication[0]
    assert bup.status is MmeStatus.excluded
    assert bup.notes == ("BUPRENORPHINE_NOT_IN_MME",)
    assert result.mme.total == 15
    assert result.mme.is_complete  # deliberately excluded, not unknown
    assert "BUPRENORPHINE_NOT_IN_MME" in result.codes


@pytest.mark.parametrize(
    "medication",
    [
        oral("levorphanol", 2, 3),
        oral("meperidine", 50, 4),
        oral("butorphanol", 1, 4),
        oral("pentazocine", 50, 4),
        oral("madeupocodone", 10, 4),
        med("fentanyl", mg_per_dose=0.2, doses_per_day=4, route="buccal"),
        med("morphine", mg_per_dose=4, doses_per_day=6, route="parenteral"),
    ],
)
def test_an_opioid_without_a_factor_is_never_counted_as_zero(medication: dict[str, object]) -> None:
    result = run(medication)
    (line,) = result.mme.per_medication
    assert line.status is MmeStatus.no_conversion_factor
    assert line.mme_per_day is None
    assert line.reason
    assert result.mme.total is None  # nothing computed: no total at all, not 0
    assert result.as_json()["total_mme_per_day"] is None
    assert "NO_CONVERSION_FACTOR" in result.codes


def test_a_missing_dose_is_reported_as_cannot_compute_with_the_reason() -> None:
    result = run(med("oxycodone"), oral("morphine", 30, 2))
    line = result.mme.per_medication[0]
    assert line.status is MmeStatus.dose_not_computable
    assert "missing dose" in (line.reason or "")
    assert result.mme.total == 60
    assert not result.mme.is_complete
    assert "MME_NOT_COMPUTABLE" in result.codes


def test_non_opioids_are_not_in_the_mme_breakdown() -> None:
    result = run(oral("oxycodone", 5, 4), med("gabapentin", "gabapentinoid", mg_per_dose=300))
    assert [m.ingredient for m in result.mme.per_medication] == ["oxycodone"]


def test_every_knowledge_file_is_in_the_manifest_with_its_checksum_and_source() -> None:
    folder = resources.files("painpath.opioids").joinpath("knowledge")
    manifest = json.loads(folder.joinpath("manifest.json").read_text(encoding="utf-8"))
    names = {p.name for p in folder.iterdir() if p.name.endswith(".json")} - {"manifest.json"}
    assert set(manifest["files"]) == names
    for name, meta in manifest["files"].items():
        digest = hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest()
        assert meta["sha256"] == digest, f"{name} changed: update manifest.json"
        assert all(meta[key] for key in ("source", "version", "retrieved"))


@pytest.mark.parametrize("name", list(FactorTableName))
def test_every_factor_table_names_its_source_version_and_url(name: FactorTableName) -> None:
    described = factor_table(name).describe()
    assert described["table"] == name.value
    assert described["url"].startswith("https://www.cdc.gov/")
    assert all(described[key] for key in ("version", "source", "retrieved"))
    assert all(v > 0 for v in factor_table(name).oral_mg.values())
