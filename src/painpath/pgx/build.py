"""Genome build of a VCF (GRCh37 or GRCh38) and the PGx positions to read on each build.

The definitions are GRCh38 (PharmCAT's). For GRCh37 input each position is read at its GRCh37
twin from knowledge/alleles (derived from pypgx's allele table and checked allele by allele);
positions without a verified twin are not tested. Alleles are compared as bases, so a position
whose GRCh37 reference is the GRCh38 alternate (CYP2C19 rs3758581, CYP2D6 rs1135840/rs16947)
needs no special handling beyond using the GRCh37 reference for the REF check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from painpath.pgx.definitions import GeneDefinition
from painpath.pgx.genes import Gene


class GenomeBuild(StrEnum):
    GRCH37 = "GRCh37"
    GRCH38 = "GRCh38"


class BuildEvidence(StrEnum):
    """What the build of a file was decided from, strongest first."""

    STATED = "stated by the caller"
    CONTIG_LENGTH = "##contig lengths"
    CONTIG_ASSEMBLY = "##contig assembly"
    REFERENCE_LINE = "##reference line"
    REF_ALLELES = "REF alleles at the PGx positions"
    ASSUMED = "assumed (nothing in the file tells)"


@dataclass(frozen=True, slots=True)
class BuildCall:
    build: GenomeBuild
    evidence: BuildEvidence
    detail: str
    #: Set when other evidence pointed at the other build.
    conflict: str | None = None


#: Chromosome lengths that differ between the builds (UCSC/NCBI assembly reports).
CONTIG_LENGTHS: dict[tuple[str, int], GenomeBuild] = {
    ("1", 249_250_621): GenomeBuild.GRCH37,
    ("1", 248_956_422): GenomeBuild.GRCH38,
    ("6", 171_115_067): GenomeBuild.GRCH37,
    ("6", 170_805_979): GenomeBuild.GRCH38,
    ("10", 135_534_747): GenomeBuild.GRCH37,
    ("10", 133_797_422): GenomeBuild.GRCH38,
    ("22", 51_304_566): GenomeBuild.GRCH37,
    ("22", 50_818_468): GenomeBuild.GRCH38,
}

_GRCH38 = re.compile(r"grch38|hg38|hs38|b38|assembly38|gca_000001405\.(1[5-9]|2\d)", re.I)
_GRCH37 = re.compile(
    r"grch37|hg19|hs37|b37|g1k_v37|assembly19|gca_000001405\.([1-9]|1[0-4])\b", re.I
)
_CONTIG = re.compile(r"^##contig=<(.*)>\s*$")


_ACCESSION = re.compile(r"^NC_0000(\d\d)\.\d+$")


def normalize_chromosome(name: str) -> str:
    """`chr10`, `CHR10`, `10` and RefSeq `NC_000010.11` all name chromosome 10."""
    if name[:3].lower() == "chr":
        return name[3:]
    accession = _ACCESSION.match(name)
    return str(int(accession.group(1))) if accession else name


def build_named_in(text: str) -> GenomeBuild | None:
    """The build an assembly or reference name points at, if it names one."""
    if _GRCH38.search(text):
        return GenomeBuild.GRCH38
    if _GRCH37.search(text):
        return GenomeBuild.GRCH37
    return None


def _contig_fields(line: str) -> dict[str, str]:
    match = _CONTIG.match(line)
    if match is None:
        return {}
    fields = {}
    for part in re.findall(r'(\w+)=("[^"]*"|[^,]*)', match.group(1)):
        fields[part[0].lower()] = part[1].strip('"')
    return fields


def build_from_header(lines: Iterable[str]) -> BuildCall | None:
    """Decide the build from `##contig` lengths, contig assembly tags or `##reference`."""
    votes: dict[BuildEvidence, tuple[GenomeBuild, str]] = {}
    for line in lines:
        if line.startswith("##contig="):
            fields = _contig_fields(line)
            chromosome = normalize_chromosome(fields.get("id", ""))
            length = fields.get("length", "")
            if length.isdigit() and (chromosome, int(length)) in CONTIG_LENGTHS:
                build = CONTIG_LENGTHS[(chromosome, int(length))]
                votes.setdefault(
                    BuildEvidence.CONTIG_LENGTH, (build, f"{fields['id']} length {length}")
                )
            named = build_named_in(fields.get("assembly", ""))
            if named is not None:
                votes.setdefault(
                    BuildEvidence.CONTIG_ASSEMBLY, (named, f"assembly={fields['assembly']}")
                )
        elif line.startswith("##reference="):
            named = build_named_in(line)
            if named is not None:
                votes.setdefault(BuildEvidence.REFERENCE_LINE, (named, line.strip()[:120]))
    if not votes:
        return None
    ranked = sorted(votes.items(), key=lambda item: list(BuildEvidence).index(item[0]))
    evidence, (build, detail) = ranked[0]
    others = [f"{ev.value} says {b.value} ({d})" for ev, (b, d) in ranked[1:] if b != build]
    return BuildCall(build, evidence, detail, "; ".join(others) or None)


def stated_build(stated: GenomeBuild, header: BuildCall | None) -> BuildCall:
    """The caller's build, noting any header evidence that disagrees."""
    conflict = None
    if header is not None and header.build != stated:
        conflict = (
            f"the header points at {header.build.value} ({header.evidence.value}: {header.detail})"
        )
    return BuildCall(stated, BuildEvidence.STATED, "given with the file", conflict)


@dataclass(frozen=True, slots=True)
class Target:
    """A definition position as it is read from a file of one build."""

    gene: Gene
    index: int
    #: The reference allele at this position on the file's build (for the REF check).
    ref: str
    build: GenomeBuild


def position_table(
    definitions: Sequence[GeneDefinition], builds: Iterable[GenomeBuild]
) -> dict[tuple[str, int], tuple[Target, ...]]:
    """(chromosome without `chr`, position) → the definition positions read there."""
    table: dict[tuple[str, int], list[Target]] = {}
    for build in builds:
        for definition in definitions:
            chromosome = normalize_chromosome(definition.chromosome)
            for position in definition.positions:
                if build is GenomeBuild.GRCH38:
                    where, ref = position.locus.position, position.ref
                elif position.grch37 is not None:
                    where, ref = position.grch37.position, position.grch37.ref
                else:
                    continue  # no verified GRCh37 twin: not tested on GRCh37
                target = Target(definition.gene, position.index, ref, build)
                table.setdefault((chromosome, where), []).append(target)
    return {key: tuple(targets) for key, targets in table.items()}


def build_from_ref_alleles(matches: dict[GenomeBuild, int]) -> BuildCall:
    """Decide the build from how many REF alleles agree with each build's reference."""
    ranked = sorted(matches.items(), key=lambda item: -item[1])
    best, count = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if count == 0 or count == runner_up:
        return BuildCall(
            GenomeBuild.GRCH38,
            BuildEvidence.ASSUMED,
            "no ##reference or ##contig line names the build and the REF alleles do not tell",
        )
    detail = ", ".join(f"{b.value}: {n}" for b, n in ranked)
    return BuildCall(
        best, BuildEvidence.REF_ALLELES, f"REF alleles agreeing with each build: {detail}"
    )
