"""The CDS call's remembered gene results (`_gene_result`): the same result as reading the
stored row, for every kind of row; a row that cannot be read is refused every time."""

from __future__ import annotations

import pytest

from painpath.cds.pgx_cards import _gene_result
from painpath.models.genotype import GenotypeResult
from painpath.services.pgx.genotypes import NOT_REPORTED, stored_gene_result

IM, NM, PM = "Intermediate Metabolizer", "Normal Metabolizer", "Poor Metabolizer"
ROWS = [
    ("CYP2D6", "*1/*4", IM, 1.0, "vcf"),
    ("CYP2D6", "*1/*4", NM, 1.5, "lab"),
    ("CYP2C19", NOT_REPORTED, PM, None, "lab"),
    ("CYP2C19", "*1/*2 or *1/*3", IM, None, "vcf"),
    ("CYP2C9", "*1/*2 … (9 diplotypes)", IM, 1.5, "lab"),
    ("OPRM1", "rs1799971 A/G", None, None, "synthetic"),
]


@pytest.mark.parametrize("values", ROWS, ids=[f"{r[0]} {r[1]} {r[4]}" for r in ROWS])
def test_a_remembered_result_is_the_stored_rows_result(
    values: tuple[str, str, str | None, float | None, str],
) -> None:
    gene, diplotype, phenotype, score, source = values
    stored = GenotypeResult(
        gene=gene, diplotype=diplotype, phenotype=phenotype, activity_score=score, source=source
    )
    expected = stored_gene_result(stored)
    assert _gene_result(*values) == expected
    assert _gene_result(*values) == expected  # the second read comes from the cache
    assert _gene_result(*values).source == expected.source


def test_rows_differing_only_in_source_are_not_confused() -> None:
    lab = _gene_result("CYP2D6", "*1/*4", IM, 1.0, "lab")
    vcf = _gene_result("CYP2D6", "*1/*4", IM, 1.0, "vcf")
    assert lab.source != vcf.source


def test_a_row_with_nothing_to_read_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="no phenotype"):
            _gene_result("CYP2D6", NOT_REPORTED, None, None, "lab")
