"""Between the PGx report document and the per-gene `GenotypeResult` rows of a patient's record.

`genotype_rows` turns one sample of a report into row values (one per gene the report could
call); `stored_gene_result` turns a stored row back into the engine's `GeneResult`, so advice
can be recomputed from the record (with today's medicines) without the original file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from painpath.models.genotype import GenotypeResult
from painpath.pgx.definitions import load_definition
from painpath.pgx.genes import ACTIVITY_SCORE_GENES, Gene
from painpath.pgx.outside_calls import OutsideCall, gene_result
from painpath.pgx.phenoconversion import GeneResult
from painpath.pgx.phenotype import format_score, parse_score, split_diplotype

#: Genes CPIC gives no phenotype: stored as an rs genotype, e.g. "rs1799971 A/G".
GENOTYPE_ONLY = frozenset({Gene.OPRM1, Gene.COMT})
#: The diplotype column of a lab call that gave only a phenotype or activity score.
NOT_REPORTED = "not reported"
TIE_SEPARATOR = " or "
DIPLOTYPE_WIDTH = 100  # GenotypeResult.diplotype
_RS_PREFIX = re.compile(r"^rs\d+\s+")


@dataclass(frozen=True, slots=True)
class GenotypeValues:
    """One gene's row, as the report gives it."""

    gene: str
    diplotype: str
    phenotype: str | None
    activity_score: float | None
    source: str  # vcf or lab


@cache
def _rsid(gene: Gene) -> str | None:
    positions = load_definition(gene).positions
    return positions[0].locus.rsid if len(positions) == 1 else None


def _diplotype_text(gene: Gene, diplotypes: list[str]) -> str:
    if not diplotypes:
        return NOT_REPORTED
    rsid = _rsid(gene) if gene in GENOTYPE_ONLY else None
    shown = [f"{rsid} {d}" if rsid else d for d in diplotypes]
    text = TIE_SEPARATOR.join(shown)
    if len(text) <= DIPLOTYPE_WIDTH:
        return text
    # Too many ties for the column: the report keeps them all.
    suffix = f" … ({len(shown)} diplotypes)"
    return text[: DIPLOTYPE_WIDTH - len(suffix)].rstrip() + suffix


def _score(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return parse_score(text)[0]
    except ValueError:  # "n/a"
        return None


def genotype_rows(sample: Mapping[str, Any], *, source: str) -> Iterator[GenotypeValues]:
    """Row values for each gene the sample's report called (uncalled genes are left out)."""
    for name, entry in sample["genes"].items():
        gene = Gene(name)
        diplotypes = [str(d["diplotype"]) for d in entry["diplotypes"]]
        if not diplotypes and entry["phenotype"] is None and entry["activity_score"] is None:
            continue
        yield GenotypeValues(
            gene=gene.value,
            diplotype=_diplotype_text(gene, diplotypes),
            phenotype=entry["phenotype"],
            activity_score=_score(entry["activity_score"]),
            source=entry.get("call_source") or source,
        )


def _pairs(row: GenotypeResult) -> list[tuple[str, str]]:
    if row.diplotype == NOT_REPORTED or "…" in row.diplotype:
        return []
    return [split_diplotype(_RS_PREFIX.sub("", d)) for d in row.diplotype.split(TIE_SEPARATOR)]


def _agrees(found: GeneResult, row: GenotypeResult) -> bool:
    if found.phenotype != row.phenotype:
        return False
    return row.activity_score is None or _score(found.activity_score) == row.activity_score


def stored_gene_result(row: GenotypeResult) -> GeneResult:
    """The engine's view of a stored row; raises ValueError when the row cannot be read.

    The diplotypes are used when they give the stored phenotype and score; otherwise the
    stored activity score (CYP2D6, CYP2C9) or phenotype wins, as it did for the lab call.
    """
    gene = Gene(row.gene)
    pairs = _pairs(row)
    if pairs:
        found = GeneResult.from_diplotypes(gene, pairs, source=f"record ({row.source})")
        if _agrees(found, row):
            return found
    single = "/".join(pairs[0]) if len(pairs) == 1 else None
    if gene in ACTIVITY_SCORE_GENES and row.activity_score is not None:
        score = format_score(row.activity_score)
        return gene_result(OutsideCall(gene, single, activity_score=score))
    if row.phenotype:
        return gene_result(OutsideCall(gene, single, phenotype=row.phenotype))
    raise ValueError(f"{gene} {row.diplotype!r} gives no phenotype")
