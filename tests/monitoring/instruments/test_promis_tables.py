"""The shipped PROMIS T-score tables are recomputed here from the item calibrations.

HealthMeasures builds its short-form tables by summed-score EAP (Lord & Wingersky 1984; Thissen
et al. 1995): graded-response likelihoods of each summed score, a standard normal prior on theta,
T = 50 + 10 x EAP, rounded to one decimal. Reproducing every value of the 4a and 8a tables from
the calibrations stored beside the items checks the tables, the calibrations and the item lists.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any

import pytest

GRID = [-6 + 12 * i / 600 for i in range(601)]  # quadrature points, 0.02 apart


def load(instrument: str) -> Any:
    folder = resources.files("painpath.monitoring.instruments").joinpath("definitions")
    return json.loads(folder.joinpath(f"{instrument}.json").read_text(encoding="utf-8"))


def category_probabilities(slope: float, thresholds: list[float], theta: float) -> list[float]:
    cumulative = [1.0] + [1 / (1 + math.exp(-slope * (theta - b))) for b in thresholds] + [0.0]
    return [cumulative[k] - cumulative[k + 1] for k in range(len(thresholds) + 1)]


def summed_score_t_scores(calibrations: list[dict[str, Any]]) -> dict[int, float]:
    """Lord-Wingersky recursion over items, then EAP per summed score (answers 1-5)."""
    likelihood = [[1.0] * len(GRID)]
    for item in calibrations:
        probabilities = [
            category_probabilities(item["slope"], item["thresholds"], theta) for theta in GRID
        ]
        categories = len(item["thresholds"]) + 1
        grown = [[0.0] * len(GRID) for _ in range(len(likelihood) + categories - 1)]
        for score, row in enumerate(likelihood):
            for category in range(categories):
                target = grown[score + category]
                for q, value in enumerate(row):
                    target[q] += value * probabilities[q][category]
        likelihood = grown
    prior = [math.exp(-theta * theta / 2) for theta in GRID]
    table = {}
    for score, row in enumerate(likelihood):
        weights = [value * p for value, p in zip(row, prior, strict=True)]
        eap = sum(w * theta for w, theta in zip(weights, GRID, strict=True)) / sum(weights)
        table[score + len(calibrations)] = round(50 + 10 * eap, 1)
    return table


@pytest.mark.parametrize("form", ["promis-pi-4a", "promis-pi-6a", "promis-pi-6b", "promis-pi-8a"])
def test_the_shipped_table_is_what_the_calibrations_give(form: str) -> None:
    raw = load(form)
    computed = summed_score_t_scores([item["calibration"] for item in raw["items"]])
    shipped = {int(k): v for k, v in raw["t_score"]["table"].items()}
    assert shipped == computed
    assert len(shipped) == 4 * len(raw["items"]) + 1


@pytest.mark.parametrize(
    ("form", "items"),
    [("promis-pi-4a", 4), ("promis-pi-6a", 6), ("promis-pi-6b", 6), ("promis-pi-8a", 8),
     ("promis-pain-intensity-3a", 3)],
)  # fmt: skip
def test_every_promis_item_carries_its_calibration(form: str, items: int) -> None:
    raw = load(form)
    assert len(raw["items"]) == items
    for item in raw["items"]:
        assert item["calibration"]["slope"] > 0
        thresholds = item["calibration"]["thresholds"]
        assert thresholds == sorted(thresholds)
        assert len(thresholds) == 4
    assert "choir" in raw["calibration_source"].lower()


def test_the_4a_and_6a_forms_share_their_first_four_items() -> None:
    four = [item["id"] for item in load("promis-pi-4a")["items"]]
    six = [item["id"] for item in load("promis-pi-6a")["items"]]
    eight = [item["id"] for item in load("promis-pi-8a")["items"]]
    assert six[:4] == four
    assert eight[:6] == six
