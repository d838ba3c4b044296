"""Every diplotype row of CPIC's phenotype tables (PharmCAT's copies) comes out the same.

painpath derives phenotypes from rules (allele values, score bands, function pairs), not from a
copied table; this walks all 18,567 rows of the reference tables to prove the rules agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from painpath.pgx.phenotype import diplotype_phenotype

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared/reference/pgx/pharmcat"
pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference data not present at {REFERENCE} (../shared)"
)
ROWS = {"CYP2C9": 2850, "CYP2C19": 666, "CYP2D6": 15051}


@pytest.mark.parametrize("gene", sorted(ROWS))
def test_every_cpic_diplotype_gets_cpics_activity_score_and_phenotype(gene: str) -> None:
    table = json.loads((REFERENCE / f"phenotypes/{gene}.json").read_text(encoding="utf-8"))
    disagreements = []
    for row in table["diplotypes"]:
        first, second = row["diplotype"].split("/")
        got = diplotype_phenotype(gene, first, second)
        expected = (row["activityScore"], row["phenotype"], row["lookupkey"])
        if (got.activity_score, got.phenotype, got.lookup_key) != expected:
            disagreements.append((row["diplotype"], expected, got.activity_score, got.phenotype))
    assert len(table["diplotypes"]) == ROWS[gene]
    assert disagreements == []


def test_every_indeterminate_cyp2d6_row_explains_itself() -> None:
    table = json.loads((REFERENCE / "phenotypes/CYP2D6.json").read_text(encoding="utf-8"))
    for row in table["diplotypes"]:
        if row["phenotype"] == "Indeterminate":
            first, second = row["diplotype"].split("/")
            notes = diplotype_phenotype("CYP2D6", first, second).notes
            assert any(n.startswith("Indeterminate because") for n in notes), row["diplotype"]


def test_expected_calls_of_the_reference_fixtures_get_their_phenotypes() -> None:
    lines = (REFERENCE / "test_vcfs/expected_calls.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith(("#", "file"))]
    checked = 0
    for _file, gene, expected, _basis, phenotype, score in rows:
        diplotype = expected.split(" ")[0]
        if "|" in diplotype or diplotype == "NO_CALL":
            continue  # ties and no-calls are the allele matcher's business
        got = diplotype_phenotype(gene, *diplotype.split("/"))
        assert got.phenotype == phenotype, diplotype
        assert (got.activity_score or "n/a") == score, diplotype
        checked += 1
    assert checked == 19
