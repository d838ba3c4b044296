"""Values the VCF reader produces: errors, per-position calls and the genotypes of a file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from painpath.pgx.build import BuildCall, Target
from painpath.pgx.genes import Gene

#: Phase set of a phased (`|`) genotype without a PS value: the whole chromosome.
WHOLE_CHROMOSOME = "chromosome"


class VcfProblem(StrEnum):
    NOT_FOUND = "file not found"
    TRUNCATED = "truncated or corrupt compressed file"
    NOT_VCF = "not a VCF file"
    NO_SAMPLES = "no sample columns"
    NO_GT_FIELD = "no GT field"
    UNKNOWN_SAMPLE = "unknown sample"
    MALFORMED_RECORD = "malformed record"
    CONFLICTING_RECORDS = "conflicting records at one position"
    BCF_NEEDS_CYVCF2 = "BCF needs cyvcf2"


class VcfError(ValueError):
    """A VCF that cannot be read; names the file, the line (1-based) and the problem.

    For BCF, which has no lines, `line` counts records.
    """

    def __init__(self, path: str, problem: VcfProblem, detail: str, line: int | None = None):
        self.path = path
        self.problem = problem
        self.detail = detail
        self.line = line
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {problem.value}: {detail}")


@dataclass(frozen=True, slots=True)
class SiteCall:
    """One sample's genotype at one definition position, as allele tokens.

    A token indexes the position's allele list: the definition's VCF alleles (0 = GRCh38
    reference), then any other allele seen in the file (which no definition matches).
    """

    first: int
    #: None for a haploid call.
    second: int | None
    #: None when unphased or homozygous; WHOLE_CHROMOSOME for `|` without PS; else the PS.
    phase_set: str | None = None


@dataclass(frozen=True, slots=True)
class PositionColumn:
    """All samples' calls at one definition position: a code per sample, looked up in `table`."""

    codes: Sequence[int]
    #: None in the table: no-call (`./.`, partial or unsupported ploidy) for that sample.
    table: Mapping[int, SiteCall | None]
    #: Allele text of each token.
    alleles: tuple[str, ...]
    #: Where the column was read from (lines, BCF records, or positions read via an index).
    sources: tuple[str, ...]

    @property
    def constant(self) -> bool:
        """Whether every sample has the same code (most positions of a cohort)."""
        return len(self.table) == 1


@dataclass(frozen=True)
class VcfGenotypes:
    """Genotypes at every definition position present in a file, for the chosen samples."""

    path: str
    samples: tuple[str, ...]
    build: BuildCall
    #: Per gene, aligned with the definition's positions; None where the file has no record.
    columns: Mapping[Gene, tuple[PositionColumn | None, ...]]
    #: Per gene: what a reader of the call should know about the file (REF mismatches, …).
    notes: Mapping[Gene, tuple[str, ...]]
    #: Per gene: position indexes that cannot be read on this build (no GRCh37 coordinate).
    unmapped: Mapping[Gene, frozenset[int]]

    def sample_index(self, sample: str | None) -> int:
        if sample is None:
            if len(self.samples) != 1:
                raise ValueError(f"{self.path} has {len(self.samples)} samples: name one")
            return 0
        try:
            return self.samples.index(sample)
        except ValueError:
            raise VcfError(self.path, VcfProblem.UNKNOWN_SAMPLE, repr(sample)) from None

    def site_calls(self, gene: Gene, sample: int) -> tuple[SiteCall | None, ...]:
        """One sample's calls at each definition position of a gene (None: not tested)."""
        return tuple(
            None if column is None else column.table[column.codes[sample]]
            for column in self.columns[gene]
        )


@dataclass(frozen=True, slots=True)
class RawGenotype:
    """A parsed GT (with its PS) before allele indexes are turned into tokens."""

    alleles: tuple[int | None, ...]
    phase_set: str | None


@dataclass(slots=True)
class RawRecord:
    """A record at (or a gVCF block over) definition positions, with codes for all samples."""

    #: Line in the file (record number for BCF); None when read through an index.
    line: int | None
    chromosome: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    codes: Sequence[int]
    genotypes: Mapping[int, RawGenotype]
    #: gVCF reference block end (INFO END) when ALT is only symbolic.
    block_end: int | None = None
    targets: list[Target] = field(default_factory=list)

    @property
    def where(self) -> str:
        """Where the record is, for notes and errors: its line, else its position."""
        return (
            f"line {self.line}" if self.line is not None else f"record {self.chromosome}:{self.pos}"
        )


def parse_gt(text: str, ps: str | None, n_alleles: int) -> RawGenotype | None:
    """Parse a GT value; None when it is not a valid allele list for this record."""
    phased = "|" in text
    parts = text.replace("|", "/").split("/")
    alleles: list[int | None] = []
    for part in parts:
        if part == ".":
            alleles.append(None)
        elif part.isdigit() and int(part) < n_alleles:
            alleles.append(int(part))
        else:
            return None
    phase_set = None
    if phased and len(parts) > 1:
        phase_set = WHOLE_CHROMOSOME if ps in (None, "", ".") else ps
    return RawGenotype(tuple(alleles), phase_set)
