"""Turn the records a reader collected into per-position columns of allele tokens.

A record's allele indexes become the definition position's allele tokens by comparing
sequences, so REF padding from multiallelic records and gVCF reference blocks are understood.
Several records at one position are merged (split multiallelic records) or, if they repeat
the same alleles, must agree; otherwise the file is refused.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from painpath.pgx.build import BuildCall, GenomeBuild, Target
from painpath.pgx.definitions import DefinedPosition
from painpath.pgx.genes import Gene
from painpath.pgx.vcf.collect import Collector
from painpath.pgx.vcf.model import (
    PositionColumn,
    RawRecord,
    SiteCall,
    VcfError,
    VcfGenotypes,
    VcfProblem,
)


def _frame_ref_token(alleles: list[str], target: Target) -> int:
    return _token_for(alleles, target.ref)


def _token_for(alleles: list[str], allele: str) -> int:
    """The token of an allele text, adding it as an undocumented allele when new."""
    try:
        return alleles.index(allele)
    except ValueError:
        alleles.append(allele)
        return len(alleles) - 1


def _allele_token(
    record: RawRecord, index: int, target: Target, position: DefinedPosition, alleles: list[str]
) -> int:
    """Which of the position's alleles a record's allele index carries at that position."""
    if record.block_end is not None:
        return _frame_ref_token(alleles, target) if index == 0 else _token_for(alleles, "<*>")
    allele = record.ref if index == 0 else record.alts[index - 1]
    if allele == "*" or allele.startswith("<") or "[" in allele or "]" in allele:
        return _token_for(alleles, allele)
    if position.is_snv:
        # The base at the position itself: padding and indels next to it do not change it.
        return _token_for(alleles, allele[0])
    ref, frame = record.ref, target.ref
    n_defined = len(position.vcf_alleles)
    if ref.startswith(frame) or frame.startswith(ref):
        # Compare over the longer REF span: "CA"->"C" padded by a multiallelic record and a
        # definition written "CA"->"C" are the same deletion.
        span = ref if len(ref) >= len(frame) else frame
        extended = allele + span[len(ref) :]
        for token, defined in enumerate(alleles[:n_defined]):
            if defined + span[len(frame) :] == extended:
                return token
    return _token_for(alleles, allele)


def _translate(
    record: RawRecord, target: Target, position: DefinedPosition, alleles: list[str]
) -> dict[int, SiteCall | None]:
    """The record's genotype table in this position's allele tokens."""
    tokens = [
        _allele_token(record, index, target, position, alleles)
        for index in range(len(record.alts) + 1)
    ]
    table: dict[int, SiteCall | None] = {}
    for code, genotype in record.genotypes.items():
        calls = genotype.alleles
        if any(call is None for call in calls) or len(calls) > 2:
            table[code] = None
            continue
        picked = [tokens[call] for call in calls if call is not None]
        if len(picked) == 1:
            table[code] = SiteCall(picked[0], None)
        else:
            first, second = picked
            phase_set = None if first == second else genotype.phase_set
            if phase_set is None and first > second:
                first, second = second, first  # unphased: allele order carries no meaning
            table[code] = SiteCall(first, second, phase_set)
    return table


def _record_notes(
    record: RawRecord, target: Target, position: DefinedPosition, build: str
) -> list[str]:
    label = position.locus.label
    notes: list[str] = []
    if record.block_end is not None:
        return notes
    if not (record.ref.startswith(target.ref) or target.ref.startswith(record.ref)):
        notes.append(
            f"{label}: REF {record.ref} ({record.where}) differs from the {build} reference "
            f"{target.ref}; alleles were compared as bases"
        )
    if len(record.alts) > 1:
        notes.append(
            f"{label}: multiallelic record ({record.where}, ALT {','.join(record.alts)}) "
            "read by allele index"
        )
    return notes


def _conflict(path: str, records: Sequence[RawRecord], label: str, sample: str) -> VcfError:
    where = " and ".join(record.where for record in records)
    return VcfError(
        path,
        VcfProblem.CONFLICTING_RECORDS,
        f"records ({where}) at {label} disagree for sample {sample}",
        records[-1].line,
    )


def _merge_calls(calls: Sequence[SiteCall | None], ref: int) -> SiteCall | None:
    """One call from split records at one position; raises ValueError when they conflict."""
    if any(call is None for call in calls):
        return None
    present = [call for call in calls if call is not None]
    if len({call.second is None for call in present}) > 1:
        raise ValueError("ploidy differs")
    seen: set[int] = set()
    for call in present:
        own = {t for t in (call.first, call.second) if t is not None and t != ref}
        if own & seen:
            raise ValueError("one allele reported twice")
        seen |= own
    if present[0].second is None:
        if len(seen) > 1:
            raise ValueError("two alleles on a haploid call")
        return SiteCall(seen.pop() if seen else ref, None)
    phase_sets = {call.phase_set for call in present if call.first != call.second}
    if len(phase_sets) == 1 and None not in phase_sets:
        slots = []
        for side in (0, 1):
            found = {
                t for call in present if (t := (call.first, call.second)[side]) not in (None, ref)
            }
            if len(found) > 1:
                raise ValueError("two alleles on one haplotype")
            slots.append(found.pop() if found else ref)
        phase_set = phase_sets.pop()
        return SiteCall(slots[0], slots[1], None if slots[0] == slots[1] else phase_set)
    alleles = [t for call in present for t in (call.first, call.second) if t not in (None, ref)]
    if len(alleles) > 2:
        raise ValueError("more than two alleles")
    alleles += [ref] * (2 - len(alleles))
    return SiteCall(min(alleles), max(alleles), None)


def _column(
    path: str,
    samples: tuple[str, ...],
    entries: list[tuple[RawRecord, Target]],
    position: DefinedPosition,
    notes: list[str],
    build: str,
) -> PositionColumn:
    alleles = list(position.vcf_alleles)
    variants = [entry for entry in entries if entry[0].block_end is None]
    entries = variants or entries
    tables = [_translate(record, target, position, alleles) for record, target in entries]
    for record, target in entries:
        notes.extend(_record_notes(record, target, position, build))
    records = [record for record, _ in entries]
    lines = tuple(record.where for record in records)
    if len(entries) == 1:
        return PositionColumn(records[0].codes, tables[0], tuple(alleles), lines)
    label = position.locus.label
    first = records[0]
    if all((r.ref, r.alts) == (first.ref, first.alts) for r in records):
        for record, table in zip(records[1:], tables[1:], strict=True):
            for sample, (a, b) in enumerate(zip(first.codes, record.codes, strict=True)):
                if tables[0][a] != table[b]:
                    raise _conflict(path, [first, record], label, samples[sample])
        notes.append(f"{label}: duplicate records ({', '.join(lines)}) agree")
        return PositionColumn(first.codes, tables[0], tuple(alleles), lines)
    ref = _frame_ref_token(alleles, entries[0][1])
    index: dict[SiteCall | None, int] = {}
    codes = array("I")
    for sample, codes_here in enumerate(zip(*(r.codes for r in records), strict=True)):
        try:
            merged = _merge_calls([t[c] for t, c in zip(tables, codes_here, strict=True)], ref)
        except ValueError:
            raise _conflict(path, records, label, samples[sample]) from None
        codes.append(index.setdefault(merged, len(index)))
    notes.append(f"{label}: {len(records)} records ({', '.join(lines)}) merged")
    table = {code: call for call, code in index.items()}
    return PositionColumn(codes, table, tuple(alleles), lines)


def assemble(collector: Collector, build: BuildCall) -> VcfGenotypes:
    by_target: dict[tuple[Gene, int], list[tuple[RawRecord, Target]]] = {}
    for record in collector.records:
        for target in record.targets:
            by_target.setdefault((target.gene, target.index), []).append((record, target))
    columns: dict[Gene, tuple[PositionColumn | None, ...]] = {}
    notes: dict[Gene, tuple[str, ...]] = {}
    unmapped: dict[Gene, frozenset[int]] = {}
    for definition in collector.definitions:
        gene_notes: list[str] = []
        if build.conflict:
            gene_notes.append(
                f"genome build {build.build.value} ({build.evidence.value}), but {build.conflict}"
            )
        gene_columns = []
        for position in definition.positions:
            entries = by_target.get((definition.gene, position.index))
            gene_columns.append(
                None
                if not entries
                else _column(
                    collector.path,
                    collector.sample_names,
                    entries,
                    position,
                    gene_notes,
                    build.build.value,
                )
            )
        columns[definition.gene] = tuple(gene_columns)
        notes[definition.gene] = tuple(gene_notes)
        unmapped[definition.gene] = frozenset(
            p.index
            for p in definition.positions
            if build.build is GenomeBuild.GRCH37 and p.grch37 is None
        )
    return VcfGenotypes(collector.path, collector.sample_names, build, columns, notes, unmapped)
