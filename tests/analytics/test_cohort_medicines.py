"""pgx-cohort's reading of a prescriptions file: each patient's current medicines."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from painpath.analytics.cohort_inputs import current_medicines, medicines_of


def test_prescriptions_become_each_patients_sorted_ingredients(tmp_path: Path) -> None:
    """By hand: A's " Codeine " and "codeine" are one medicine; B's RxNorm 1049621 (an
    oxycodone product) resolves to its ingredient where the name is blank; a blank patient id,
    an unknown code and a row with neither name nor code give nothing; C takes two medicines,
    listed sorted; D has only an unknown code, so D has no row."""
    path = tmp_path / "prescriptions.parquet"
    pl.DataFrame(
        {
            "patient_id": ["A", " A ", "B", "  ", "C", "C", "D", "E"],
            "medication": [
                " Codeine ",
                "codeine",
                "",
                "tramadol",
                "tramadol",
                "Celecoxib",
                None,
                None,
            ],
            "rxnorm": [None, None, " 1049621 ", None, None, None, "999999999", None],
        }
    ).write_parquet(path)
    found = current_medicines(path)
    assert found.columns == ["patient_id", "medicines"]
    assert medicines_of(found) == {
        "A": ["codeine"],
        "B": ["oxycodone"],
        "C": ["celecoxib", "tramadol"],
    }
    assert medicines_of(found, ["C", "Z"]) == {"C": ["celecoxib", "tramadol"]}


def test_no_prescriptions_file_means_no_medicines() -> None:
    found = current_medicines(None)
    assert found.height == 0
    assert medicines_of(found, ["A"]) == {}
