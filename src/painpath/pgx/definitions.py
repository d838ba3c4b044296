"""Allele definitions painpath matches VCF genotypes against (knowledge/alleles/<GENE>.json).

The files are derived by scripts/derive_pgx_alleles.py from PharmCAT's translation files
(CPIC/PharmVar definitions, GRCh38) and pypgx's allele table (GRCh37 positions). Each named
allele lists, per position, the VCF allele that defines it, an IUPAC code (any of several
alleles, e.g. CYP2C19*4 has Y = C or T at rs12248560), or nothing: a position that is not part
of the definition, which the matcher reads as the reference allele (PharmCAT's rule).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from painpath.pgx.genes import Gene

#: Where the bundled definition files live inside the package.
KNOWLEDGE_DIR = "knowledge/alleles"


class DefinitionKind(StrEnum):
    """How a gene is called from a VCF."""

    STAR_ALLELES = "star_alleles"
    SINGLE_POSITION = "single_position"


class Grch37Relation(StrEnum):
    """How the GRCh37 reference at a mapped position relates to the GRCh38 one."""

    SAME = "same"
    #: GRCh37 carries the GRCh38 alternate allele as its reference (e.g. CYP2C19 rs3758581).
    REFERENCE_SWAPPED = "reference_swapped"
    STRAND_FLIPPED = "strand_flipped"


@dataclass(frozen=True, slots=True)
class Locus:
    """A defining position, named by its GRCh38 coordinate and rsID."""

    chromosome: str
    position: int
    rsid: str | None

    @property
    def label(self) -> str:
        where = f"{self.chromosome}:{self.position}"
        return f"{where} ({self.rsid})" if self.rsid else where


@dataclass(frozen=True, slots=True)
class Grch37Position:
    position: int
    ref: str
    relation: Grch37Relation


@dataclass(frozen=True, slots=True)
class DefinedPosition:
    """One allele-defining position: GRCh38 coordinates, VCF alleles and the GRCh37 twin."""

    index: int
    locus: Locus
    ref: str
    alts: tuple[str, ...]
    #: IUPAC codes used by definitions here, each with the VCF alleles it stands for.
    wobble: tuple[tuple[str, tuple[str, ...]], ...]
    grch37: Grch37Position | None

    @property
    def vcf_alleles(self) -> tuple[str, ...]:
        """Reference first, then the alternates in definition order."""
        return (self.ref, *self.alts)

    @property
    def is_snv(self) -> bool:
        return all(len(allele) == 1 for allele in self.vcf_alleles)

    def expand(self, code: str) -> tuple[str, ...]:
        """The VCF alleles an allele code stands for (itself, or an IUPAC code's members)."""
        for wobble_code, members in self.wobble:
            if wobble_code == code:
                return members
        return (code,)


@dataclass(frozen=True, slots=True)
class NamedAllele:
    """A star allele (or, for OPRM1/COMT, a base) and its defining allele at each position."""

    name: str
    reference: bool
    #: Per position (aligned with GeneDefinition.positions): VCF allele, IUPAC code or None.
    alleles: tuple[str | None, ...]

    @property
    def score(self) -> int:
        """Number of positions that define this allele (PharmCAT's match score)."""
        return sum(allele is not None for allele in self.alleles)


@dataclass(frozen=True, slots=True)
class GeneDefinition:
    gene: Gene
    kind: DefinitionKind
    chromosome: str
    positions: tuple[DefinedPosition, ...]
    alleles: tuple[NamedAllele, ...]
    reference_allele: str
    data_version: str
    definitions_version: str
    retrieved: str
    source: tuple[tuple[str, str], ...]

    @property
    def reference(self) -> NamedAllele:
        return next(allele for allele in self.alleles if allele.name == self.reference_allele)

    def allele(self, name: str) -> NamedAllele:
        for allele in self.alleles:
            if allele.name == name:
                return allele
        raise KeyError(f"{self.gene} has no allele {name}")

    @property
    def grch37_unmapped(self) -> tuple[DefinedPosition, ...]:
        """Positions with no verified GRCh37 coordinate: not testable from GRCh37 input."""
        return tuple(position for position in self.positions if position.grch37 is None)


def _position(index: int, chromosome: str, raw: dict[str, Any]) -> DefinedPosition:
    grch37 = raw.get("grch37")
    return DefinedPosition(
        index=index,
        locus=Locus(chromosome, int(raw["pos"]), raw.get("rsid")),
        ref=raw["ref"],
        alts=tuple(raw["alts"]),
        wobble=tuple((code, tuple(members)) for code, members in raw["wobble"].items()),
        grch37=None
        if grch37 is None
        else Grch37Position(int(grch37["pos"]), grch37["ref"], Grch37Relation(grch37["relation"])),
    )


def parse_definition(raw: dict[str, Any]) -> GeneDefinition:
    """Build a GeneDefinition from the JSON written by scripts/derive_pgx_alleles.py."""
    chromosome = raw["chromosome"]
    positions = tuple(_position(i, chromosome, p) for i, p in enumerate(raw["positions"]))
    order = {position.locus.position: position.index for position in positions}
    alleles = []
    for entry in raw["alleles"]:
        defining: list[str | None] = [None] * len(positions)
        for pos, allele in entry["defining"].items():
            defining[order[int(pos)]] = allele
        alleles.append(NamedAllele(entry["name"], bool(entry.get("reference")), tuple(defining)))
    source = raw["source"]
    return GeneDefinition(
        gene=Gene(raw["gene"]),
        kind=DefinitionKind(raw["kind"]),
        chromosome=chromosome,
        positions=positions,
        alleles=tuple(alleles),
        reference_allele=raw["reference_allele"],
        data_version=raw["data_version"],
        definitions_version=source.get("definitions_version", raw["data_version"]),
        retrieved=raw["retrieved"],
        source=tuple(sorted(source.items())),
    )


@cache
def load_definition(gene: Gene) -> GeneDefinition:
    """The bundled allele definitions of one gene."""
    path = resources.files("painpath.pgx").joinpath(f"{KNOWLEDGE_DIR}/{gene.value}.json")
    return parse_definition(json.loads(path.read_text(encoding="utf-8")))


def all_definitions() -> tuple[GeneDefinition, ...]:
    """Definitions of every gene painpath calls from a VCF, in Gene order."""
    return tuple(load_definition(gene) for gene in Gene)


def data_version() -> str:
    """The allele-definition bundle version recorded in every call."""
    versions = {definition.data_version for definition in all_definitions()}
    if len(versions) != 1:
        raise RuntimeError(f"allele definition files disagree on their version: {versions}")
    return versions.pop()
