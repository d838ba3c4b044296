"""Named-allele matcher: genotypes at the defining positions → star-allele diplotypes.

Follows the behaviour PharmCAT documents for its Named Allele Matcher (pharmcat.org, "Named
Allele Matcher 101"), in painpath's own code:

- Every named allele is a whole haplotype: a position its definition leaves blank carries the
  reference allele's base (where the reference allele has an IUPAC code, the GRCh38 base).
- A diplotype fits when its two haplotypes can be laid over the genotypes: unphased
  heterozygous positions either way round, independently; phased positions of one phase set
  together; separate phase sets independently (PharmCAT issue #175).
- Score = number of positions the two definitions specify among those tested; every
  diplotype with the top score is returned (ties are not broken).
- Untested positions (absent, no-call, or without a GRCh37 twin) are left out of every
  definition, never assumed reference. An allele with no defining position left cannot be
  told apart and is dropped (listed as untestable); every fitting diplotype is kept too, as
  `possible_diplotypes_if_missing`, PharmCAT's "all diplotypes" view.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from itertools import repeat

from painpath.kit.text import counted
from painpath.pgx.build import GenomeBuild
from painpath.pgx.definitions import GeneDefinition, Locus, load_definition
from painpath.pgx.genes import Diplotype, Gene
from painpath.pgx.vcf import PositionColumn, SiteCall, VcfGenotypes, read_vcf

#: At most this many fitting diplotypes are listed when positions are missing.
POSSIBLE_LIMIT = 200
#: A matcher forgets its memo past this many genotype patterns (a long-running service).
MEMO_LIMIT = 200_000
CYP2D6_NOTE = (
    "CYP2D6 was called from SNVs and indels only: copy number (the *5 deletion, duplications "
    "such as *1x2) and CYP2D6/CYP2D7 hybrids (*13, *36, *68) were not assessed"
)


class NoCallReason(StrEnum):
    NO_DATA = "no defining position was tested"
    NO_MATCH = "no pair of defined alleles fits the genotypes"
    UNDOCUMENTED_ALLELE = "the file has an allele that no definition includes"
    HAPLOID = "haploid genotypes: a single haplotype, so no diplotype is called"


@dataclass(frozen=True, slots=True)
class AlleleMatch:
    """The matcher's answer for one genotype pattern of one gene."""

    diplotypes: tuple[Diplotype, ...]
    score: int | None
    possible: tuple[Diplotype, ...]
    possible_count: int
    untestable: tuple[str, ...]
    phased: bool
    no_call: NoCallReason | None
    haplotypes: tuple[str, ...]
    notes: tuple[str, ...]
    #: Positions with a call that was not used (haploid calls among diploid ones).
    ignored: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GeneCall:
    """One sample's call for one gene: all tied top-scoring diplotypes, with what was missing."""

    gene: Gene
    diplotypes: tuple[Diplotype, ...]
    score: int | None
    missing_positions: tuple[Locus, ...]
    #: Every diplotype that fits the tested positions, best first (only when some are missing).
    possible_diplotypes_if_missing: tuple[Diplotype, ...]
    notes: tuple[str, ...]
    build: GenomeBuild
    #: True when the haplotypes are resolved: at most one independent heterozygous group.
    phased: bool
    no_call_reason: NoCallReason | None = None
    untestable_alleles: tuple[str, ...] = ()
    #: For haploid input: the best single haplotypes.
    haplotype_matches: tuple[str, ...] = ()
    possible_count: int = 0
    data_version: str = ""

    @property
    def called(self) -> bool:
        return bool(self.diplotypes)


_STAR = re.compile(r"^\*(\d+)(.*)$")


def allele_order(name: str) -> tuple[int, int, str]:
    """Sort key: star alleles by number (*2 before *10), then other names alphabetically."""
    match = _STAR.match(name)
    return (0, int(match.group(1)), match.group(2)) if match else (1, 0, name)


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class AlleleMatcher:
    """Compiled definitions of one gene; `match` is memoized on the genotype pattern."""

    def __init__(self, definition: GeneDefinition):
        self.definition = definition
        alleles = definition.alleles
        reference = definition.reference
        self.names = tuple(allele.name for allele in alleles)
        self.reference_bit = 1 << alleles.index(reference)
        self.vocab_sizes = tuple(len(p.vcf_alleles) for p in definition.positions)
        #: Per position: allele token → alleles (bitset) whose haplotype carries it there.
        self.carriers: list[dict[int, int]] = []
        for position in definition.positions:
            vocab = position.vcf_alleles
            blank = reference.alleles[position.index]
            if blank is None or blank not in vocab:
                blank = position.ref  # the reference allele's IUPAC code reads as GRCh38's base
            by_code: dict[str, int] = {}
            for bit, allele in enumerate(alleles):
                code = allele.alleles[position.index] or blank
                by_code[code] = by_code.get(code, 0) | 1 << bit
            carriers: dict[int, int] = {}
            for code, mask in by_code.items():
                for member in position.expand(code):
                    token = vocab.index(member)
                    carriers[token] = carriers.get(token, 0) | mask
            self.carriers.append(carriers)
        #: Per allele: the positions (bitset) its definition specifies.
        self.defined = tuple(
            sum(1 << i for i, code in enumerate(allele.alleles) if code is not None)
            for allele in alleles
        )
        self._memo: dict[tuple[SiteCall | None, ...], AlleleMatch] = {}

    def match(self, calls: Sequence[SiteCall | None]) -> AlleleMatch:
        """Match one sample's calls (aligned with the definition's positions; None = untested)."""
        key = _canonical(calls)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = self._match(key)
        return found

    def _order(self, pair: tuple[int, int]) -> Diplotype:
        first, second = sorted((self.names[pair[0]], self.names[pair[1]]), key=allele_order)
        return first, second

    def _scores(self, tested: int) -> tuple[list[int], int, tuple[str, ...]]:
        scores = [(defined & tested).bit_count() for defined in self.defined]
        testable = self.reference_bit
        untestable = []
        for bit, score in enumerate(scores):
            if score:
                testable |= 1 << bit
            elif not self.reference_bit >> bit & 1:
                untestable.append(self.names[bit])
        return scores, testable, tuple(sorted(untestable, key=allele_order))

    def _match(self, calls: tuple[SiteCall | None, ...]) -> AlleleMatch:
        present = {i: call for i, call in enumerate(calls) if call is not None}
        notes: list[str] = []
        haploid = tuple(i for i, call in present.items() if call.second is None)
        if haploid and len(haploid) == len(present):
            return self._match_haploid(present)
        if haploid:
            notes.append(f"{len(haploid)} haploid call(s) among diploid ones were not used")
            present = {i: call for i, call in present.items() if call.second is not None}
        if not present:
            return _no_call(NoCallReason.NO_DATA, (), notes, haploid)
        scores, candidates, untestable = self._scores(sum(1 << i for i in present))
        constraints, groups = self._constraints(present)
        for first, second in constraints:
            candidates &= first | second
        pairs: list[tuple[int, int, int]] = []
        for a in _bits(candidates):
            bit = 1 << a
            partners = candidates & ~(bit - 1)
            for first, second in constraints:
                allowed = (second if first & bit else 0) | (first if second & bit else 0)
                partners &= allowed
                if not partners:
                    break
            pairs.extend((scores[a] + scores[b], a, b) for b in _bits(partners))
        if not pairs:
            undocumented = any(
                max(call.first, call.second or 0) >= self.vocab_sizes[i]
                for i, call in present.items()
            )
            reason = NoCallReason.UNDOCUMENTED_ALLELE if undocumented else NoCallReason.NO_MATCH
            return _no_call(reason, untestable, notes, haploid)
        ranked = sorted(
            ((score, self._order((a, b))) for score, a, b in pairs),
            key=lambda item: (-item[0], allele_order(item[1][0]), allele_order(item[1][1])),
        )
        top = ranked[0][0]
        missing = len(present) < len(calls)
        possible = tuple(d for _, d in ranked[:POSSIBLE_LIMIT]) if missing else ()
        return AlleleMatch(
            diplotypes=tuple(d for score, d in ranked if score == top),
            score=top,
            possible=possible,
            possible_count=len(ranked) if missing else 0,
            untestable=untestable,
            phased=groups <= 1,
            no_call=None,
            haplotypes=(),
            notes=tuple(notes),
            ignored=haploid,
        )

    def _constraints(self, present: dict[int, SiteCall]) -> tuple[list[tuple[int, int]], int]:
        """(first, second) allele sets per independent unit, and how many units are het.

        A unit is an unphased position or a phase set: inside one, the first haplotype carries
        every `first` allele and the second every `second` (or the other way round).
        """
        everyone = (1 << len(self.names)) - 1
        constraints: list[tuple[int, int]] = []
        blocks: dict[str, tuple[int, int]] = {}
        het = 0
        for i, call in present.items():
            carriers = self.carriers[i]
            first = carriers.get(call.first, 0)
            second = carriers.get(call.second, 0) if call.second is not None else 0
            if call.phase_set is None:
                het += call.first != call.second
                if first != everyone or second != everyone:
                    constraints.append((first, second))
            else:
                one, two = blocks.get(call.phase_set, (everyone, everyone))
                blocks[call.phase_set] = (one & first, two & second)
        constraints.extend(blocks.values())
        return constraints, het + len(blocks)

    def _match_haploid(self, present: dict[int, SiteCall]) -> AlleleMatch:
        scores, candidates, untestable = self._scores(sum(1 << i for i in present))
        for i, call in present.items():
            candidates &= self.carriers[i].get(call.first, 0)
        found = sorted(_bits(candidates), key=lambda a: (-scores[a], allele_order(self.names[a])))
        best = [self.names[a] for a in found if scores[a] == scores[found[0]]] if found else []
        note = (
            f"all genotypes are haploid; best single haplotype: {' or '.join(best) or 'none'}. "
            "At an autosomal gene this usually means the other copy is deleted (e.g. CYP2D6*5) "
            "or a caller setting; copy number was not assessed"
        )
        return AlleleMatch(
            (), None, (), 0, untestable, True, NoCallReason.HAPLOID, tuple(best), (note,)
        )


def _no_call(
    reason: NoCallReason, untestable: tuple[str, ...], notes: list[str], ignored: tuple[int, ...]
) -> AlleleMatch:
    return AlleleMatch((), None, (), 0, untestable, False, reason, (), tuple(notes), ignored)


def _canonical(calls: Sequence[SiteCall | None]) -> tuple[SiteCall | None, ...]:
    """Calls with phase-set names replaced by their order of appearance (PS values vary)."""
    names: dict[str, str] = {}
    out: list[SiteCall | None] = []
    for call in calls:
        if call is None or call.phase_set is None:
            out.append(call)
            continue
        renamed = names.setdefault(call.phase_set, str(len(names)))
        out.append(SiteCall(call.first, call.second, renamed))
    return tuple(out)


@cache
def matcher_for(gene: Gene) -> AlleleMatcher:
    """The (shared, memoizing) matcher of one gene."""
    return AlleleMatcher(load_definition(gene))


class _GeneCaller:
    """Turns per-sample code tuples of one gene in one file into GeneCalls, memoized.

    Columns where every sample has the same code are left out of the key: in a cohort most
    positions are, so a sample's key is a short tuple over the positions that vary.
    """

    def __init__(self, genotypes: VcfGenotypes, gene: Gene):
        self.gene = gene
        self.genotypes = genotypes
        self.matcher = matcher_for(gene)
        self.columns = genotypes.columns[gene]
        present = [(i, column) for i, column in enumerate(self.columns) if column is not None]
        self.fixed: list[tuple[int, SiteCall | None]] = [
            (i, next(iter(column.table.values()))) for i, column in present if column.constant
        ]
        self.varying = [(i, column) for i, column in present if not column.constant]
        self.memo: dict[tuple[int, ...], GeneCall] = {}
        self.by_calls: dict[tuple[SiteCall | None, ...], GeneCall] = {}

    def key(self, sample: int) -> tuple[int, ...]:
        return tuple(column.codes[sample] for _, column in self.varying)

    def call(self, key: tuple[int, ...]) -> GeneCall:
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self._call(key)
        return found

    def _call(self, key: tuple[int, ...]) -> GeneCall:
        definition = self.matcher.definition
        calls: list[SiteCall | None] = [None] * len(definition.positions)
        for i, call in self.fixed:
            calls[i] = call
        for (i, column), code in zip(self.varying, key, strict=True):
            calls[i] = column.table[code]
        canonical = _canonical(calls)
        found = self.by_calls.get(canonical)
        if found is None:
            found = self.by_calls[canonical] = self._gene_call(calls)
        return found

    def _gene_call(self, calls: list[SiteCall | None]) -> GeneCall:
        definition = self.matcher.definition
        notes = list(self.genotypes.notes[self.gene])
        sizes = self.matcher.vocab_sizes
        for i, call in enumerate(calls):
            if call is not None and (call.first >= sizes[i] or (call.second or 0) >= sizes[i]):
                owner = self.columns[i]
                assert owner is not None
                notes.extend(_undocumented(owner, call, sizes[i], i, definition))
        result = self.matcher.match(calls)
        missing = [i for i, call in enumerate(calls) if call is None or i in result.ignored]
        notes.extend(self._missing_notes(missing, calls))
        notes.extend(result.notes)
        if result.possible_count > len(result.possible):
            notes.append(
                f"{result.possible_count} diplotypes fit; "
                f"the best {len(result.possible)} are listed"
            )
        if result.untestable:
            notes.append(
                "not testable (every defining position missing): " + ", ".join(result.untestable)
            )
        if self.gene is Gene.CYP2D6:
            notes.append(CYP2D6_NOTE)
        return GeneCall(
            gene=self.gene,
            diplotypes=result.diplotypes,
            score=result.score,
            missing_positions=tuple(definition.positions[i].locus for i in missing),
            possible_diplotypes_if_missing=result.possible,
            notes=tuple(notes),
            build=self.genotypes.build.build,
            phased=result.phased,
            no_call_reason=result.no_call,
            untestable_alleles=result.untestable,
            haplotype_matches=result.haplotypes,
            possible_count=result.possible_count,
            data_version=definition.data_version,
        )

    def _missing_notes(self, missing: list[int], calls: list[SiteCall | None]) -> list[str]:
        if not missing:
            return []
        unmapped = self.genotypes.unmapped[self.gene]
        absent = sum(self.columns[i] is None and i not in unmapped for i in missing)
        no_call = sum(calls[i] is None and self.columns[i] is not None for i in missing)
        unused = sum(calls[i] is not None for i in missing)
        parts = [
            f"{absent} not in the file" if absent else "",
            f"{no_call} no-call" if no_call else "",
            f"{unused} haploid among diploid calls" if unused else "",
            f"{len(unmapped)} without a GRCh37 coordinate" if unmapped else "",
        ]
        total = len(calls)
        detail = ", ".join(part for part in parts if part)
        return [
            f"{len(missing)} of {counted(total, 'position')} not tested ({detail});"
            " never assumed reference"
        ]


def _undocumented(
    column: PositionColumn, call: SiteCall, known: int, index: int, definition: GeneDefinition
) -> list[str]:
    tokens = {call.first} if call.second is None else {call.first, call.second}
    label = definition.positions[index].locus.label
    return [
        f"{label}: allele {column.alleles[token]} is not part of any {definition.gene} definition"
        for token in sorted(tokens)
        if token >= known
    ]


def match_sample(genotypes: VcfGenotypes, gene: Gene, sample: str | None = None) -> GeneCall:
    """One sample's call for one gene (the only sample when `sample` is None)."""
    caller = _GeneCaller(genotypes, gene)
    return caller.call(caller.key(genotypes.sample_index(sample)))


def iter_calls(
    genotypes: VcfGenotypes, genes: Sequence[Gene] | None = None
) -> Iterator[tuple[str, dict[Gene, GeneCall]]]:
    """Per sample, in file order: (sample id, {gene: call}). Calls are shared between samples
    with the same genotype pattern, so a large cohort costs little more than its patterns."""
    callers = [_GeneCaller(genotypes, gene) for gene in genes or genotypes.columns]
    names = [caller.gene for caller in callers]
    bounds: list[tuple[int, int]] = []
    varying: list[Sequence[int]] = []
    for caller in callers:
        bounds.append((len(varying), len(varying) + len(caller.varying)))
        varying.extend(column.codes for _, column in caller.varying)
    keys: Iterator[tuple[int, ...]] = zip(*varying, strict=True) if varying else repeat(())
    # One lookup per sample for all genes: samples share whole patterns too.
    memo: dict[tuple[int, ...], tuple[GeneCall, ...]] = {}
    for sample, key in zip(genotypes.samples, keys, strict=False):  # keys may repeat ()
        calls = memo.get(key)
        if calls is None:
            calls = memo[key] = tuple(
                caller.call(key[low:high])
                for caller, (low, high) in zip(callers, bounds, strict=True)
            )
        yield sample, dict(zip(names, calls, strict=True))


def iter_file_calls(
    path: str,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    genes: Sequence[Gene] | None = None,
) -> Iterator[tuple[str, dict[Gene, GeneCall]]]:
    """Read a VCF/BCF (raising VcfError before yielding anything) and yield per-sample calls."""
    genotypes = read_vcf(path, samples, build, genes=genes)
    return iter_calls(genotypes, genes)


def call_file(
    path: str,
    sample: str | None = None,
    build: GenomeBuild | None = None,
    genes: Sequence[Gene] | None = None,
) -> dict[str, dict[Gene, GeneCall]]:
    """Every (or one) sample's calls for every (or the given) gene of a VCF/BCF."""
    return dict(iter_file_calls(path, None if sample is None else [sample], build, genes))
