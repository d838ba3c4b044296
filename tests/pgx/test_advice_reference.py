"""Every CPIC recommendation row (PharmCAT's 2023 copies, CPIC v1.30.0) is reachable by its key.

For each `lookupkey` row the engine must return CPIC advice with the same strength; the wording
is painpath's, so the test checks that each CPIC recommendation and implication maps to exactly
one painpath template (the same CPIC text never gets two different painpath meanings).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from painpath.pgx.advice import Recommendation, advise
from painpath.pgx.tables import SOURCES

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared/reference/pgx/pharmcat"
pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference data not present at {REFERENCE} (../shared)"
)
DRUGS = [
    "amitriptyline",
    "celecoxib",
    "codeine",
    "flurbiprofen",
    "hydrocodone",
    "ibuprofen",
    "lornoxicam",
    "meloxicam",
    "nortriptyline",
    "piroxicam",
    "tenoxicam",
    "tramadol",
]
ROWS = 336  # 206 amitriptyline + 4 x 22 CYP2D6 + 7 x 6 CYP2C9


def _cpic(drug: str, keys: dict[str, str]) -> Recommendation:
    found = [r for r in advise(drug, keys) if r.knowledge_file == f"guidance/cpic/{drug}.json"]
    assert len(found) == 1, (drug, keys)
    return found[0]


def _rows(drug: str) -> list[dict[str, object]]:
    data = json.loads((REFERENCE / f"cpic_guidelines_2023/{drug}.json").read_text("utf-8"))
    rows: list[dict[str, object]] = data["recommendations"]
    return rows


def test_the_reference_has_every_row_we_expect() -> None:
    assert sum(len(_rows(drug)) for drug in DRUGS) == ROWS


@pytest.mark.parametrize("drug", DRUGS)
def test_every_cpic_row_is_reachable_with_cpics_strength(drug: str) -> None:
    wrong = []
    for row in _rows(drug):
        keys = dict(row["lookupkey"])  # type: ignore[call-overload]
        got = _cpic(drug, keys)
        if got.strength != row["classification"] or got.source != "CPIC":
            wrong.append((keys, row["classification"], got.strength))
    assert wrong == []


@pytest.mark.parametrize("drug", DRUGS)
def test_each_cpic_wording_maps_to_one_painpath_template(drug: str) -> None:
    recommendation: dict[str, set[str]] = defaultdict(set)
    implication: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _rows(drug):
        keys = dict(row["lookupkey"])  # type: ignore[call-overload]
        got = _cpic(drug, keys)
        recommendation[str(row["drugrecommendation"])].add(got.template)
        ours = dict(got.implication_templates)
        for gene, text in dict(row["implications"]).items():  # type: ignore[call-overload]
            if text == "n/a":  # not stated by CPIC: painpath says "not assigned" or nothing
                assert ours.get(gene) in (None, "not_assigned", "not_stated")
            else:
                implication[(gene, text)].add(ours[gene])
        assert got.recommendation
        assert "{" not in got.recommendation
        assert got.implication is not None
        assert "{" not in got.implication
    assert {k: v for k, v in recommendation.items() if len(v) != 1} == {}
    assert {k: v for k, v in implication.items() if len(v) != 1} == {}


def test_no_cpic_prose_is_shipped() -> None:
    ours = {r.recommendation for drug in DRUGS for r in _all(drug)}
    theirs = {str(row["drugrecommendation"]) for drug in DRUGS for row in _rows(drug)}
    assert not ours & theirs


def _all(drug: str) -> list[Recommendation]:
    return [_cpic(drug, dict(row["lookupkey"])) for row in _rows(drug)]  # type: ignore[call-overload]


def test_dpwg_rows_are_reachable_only_when_asked_for() -> None:
    for drug in ("codeine", "tramadol", "amitriptyline", "nortriptyline"):
        path = REFERENCE / f"dpwg_guidelines_2023/{drug}_and_CYP2D6.json"
        data = json.loads(path.read_text("utf-8"))
        score = {"Poor": "0.0", "Intermediate": "0.5", "Normal": "2.0", "Ultrarapid": "3.0"}
        for group in data["annotationGroups"]:
            keys = {"CYP2D6": score[group["name"].split()[0]]}
            assert all(r.source == "CPIC" for r in advise(drug, keys))
            dpwg = [r for r in advise(drug, keys, include_dpwg=True) if r.source == "DPWG"]
            assert len(dpwg) == 1
            change = group["rxChangeStatus"]["term"]
            assert f"prescription change: {change}" in " ".join(dpwg[0].notes)
        assert "CC BY-SA" in SOURCES[f"guidance/dpwg/{drug}.json"].licence
