"""Genes painpath interprets and the small value types shared across the PGx engine.

Kept deliberately small and stable: the allele matcher, phenotyper and advice modules all import
from here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias


class Gene(StrEnum):
    """A pharmacogene painpath reports on."""

    CYP2D6 = "CYP2D6"
    CYP2C9 = "CYP2C9"
    CYP2C19 = "CYP2C19"
    OPRM1 = "OPRM1"
    COMT = "COMT"


class Phenotype(StrEnum):
    """Metabolizer phenotype in CPIC's standardized terms (Caudle et al. 2017)."""

    ULTRARAPID = "Ultrarapid Metabolizer"
    RAPID = "Rapid Metabolizer"
    NORMAL = "Normal Metabolizer"
    LIKELY_INTERMEDIATE = "Likely Intermediate Metabolizer"
    INTERMEDIATE = "Intermediate Metabolizer"
    LIKELY_POOR = "Likely Poor Metabolizer"
    POOR = "Poor Metabolizer"
    INDETERMINATE = "Indeterminate"
    NO_RESULT = "No Result"


Diplotype: TypeAlias = tuple[str, str]
"""Two star-allele (or, for OPRM1/COMT, base/rsID allele) names, e.g. ("*1", "*4")."""

#: Genes whose CPIC advice is keyed by activity score rather than by phenotype.
ACTIVITY_SCORE_GENES: frozenset[Gene] = frozenset({Gene.CYP2D6, Gene.CYP2C9})

#: Genes with a star-allele phenotype (the others are reported as genotypes only).
METABOLIZER_GENES: frozenset[Gene] = frozenset({Gene.CYP2D6, Gene.CYP2C9, Gene.CYP2C19})

_BY_NAME: dict[Gene | str, Gene] = {**{g: g for g in Gene}, **{g.value: g for g in Gene}}


def as_gene(name: Gene | str) -> Gene:
    """The gene a name means ("CYP2D6", " cyp2d6 "); the exact spelling is a dict lookup, so
    lookups on a hot path do not pay for the Enum's own."""
    return _BY_NAME.get(name) or Gene(str(name).strip().upper())
