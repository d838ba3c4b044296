"""A text VCF's PGx records read once and reduced to its distinct sample columns: the first
pass of pgx-cohort.

In a cohort most samples share their genotype pattern with others (100,000 samples: about
5,400 patterns). `split_region` reads the records that the reader could use (the same filter
as `read_vcf`'s scan, over the positions of every build) once, numbers each sample by its
pattern — the calls the reader takes from its columns — and writes a fragment holding those
records with one column per pattern (its first sample's), and each sample's pattern number.
`pattern_vcf` joins the header and the fragments' chosen columns into a small VCF that
`read_vcf` (and so `pgx batch`'s engine) reads exactly as it would read those samples of the
original file, so each pattern is interpreted once for the whole job. Nothing here interprets
a genotype.

Parts: a bgzipped file with a usable tabix/CSI index is split per chromosome of the gene
regions (each region's blocks are decompressed by its own task); a bgzipped file without one
into ranges of BGZF blocks of about `RANGE_BYTES` uncompressed (`painpath.pgx.vcf.bgzf`: the
block starts come from the blocks' headers, each range is decompressed by its own task, the
header is read by the first); any other text VCF (plain, or gzip that is not BGZF) is read in
one pass (`ALL`). BCF files are not split (the BCF reader decodes only the chosen samples).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from painpath.kit.limits import DEFAULT_LIMITS, InputLimits
from painpath.pgx.build import GenomeBuild, normalize_chromosome, position_table
from painpath.pgx.definitions import all_definitions
from painpath.pgx.vcf.bgzf import BlockRange, NotBgzf, block_chain, plan_ranges, range_lines
from painpath.pgx.vcf.collect import Collector
from painpath.pgx.vcf.index import read_index
from painpath.pgx.vcf.model import VcfError, VcfProblem
from painpath.pgx.vcf.text import (
    IsBcf,
    _indexed_lines,
    _Lines,
    check_header,
    genotype_values,
    open_vcf,
)

#: The part of a file read in one pass (neither BGZF nor indexed).
ALL = "all"
#: Uncompressed bytes per range of an unindexed BGZF file, and at most this many ranges.
RANGE_BYTES = 16 << 20
MAX_RANGES = 64


@dataclass(frozen=True)
class Part:
    """One first-pass task's share of a file: a chromosome read through the index, the whole
    file (`ALL`), or (`span`) a range of BGZF blocks of a file with `width` sample columns."""

    name: str
    span: BlockRange | None = None
    width: int = 0


def _targets() -> Collector:
    """A collector holding the target positions and regions of every build (no samples)."""
    collector = Collector("", all_definitions(), None, None)
    collector.targets = position_table(collector.definitions, list(GenomeBuild))
    for chromosome, pos in collector.targets:
        low, high = collector.regions.get(chromosome, (pos, pos))
        collector.regions[chromosome] = (min(low, pos), max(high, pos))
    return collector


def split_parts(path: str, limits: InputLimits = DEFAULT_LIMITS) -> list[Part] | None:
    """The parts a first pass over `path` is split into, or None for a BCF (not split)."""
    try:
        stream, bgzf = open_vcf(path)
    except IsBcf:
        return None
    stream.close()
    if not bgzf:
        return [Part(ALL)]
    if read_index(path) is not None:
        return [Part(region) for region in sorted(_targets().regions)]
    with open(path, "rb") as handle:
        try:
            blocks = block_chain(path, handle, limits)
        except NotBgzf:
            return [Part(ALL)]
        read = 0

        def counted(lines: Iterator[bytes]) -> Iterator[bytes]:
            nonlocal read
            for line in lines:
                read += len(line)
                yield line

        whole = BlockRange(0, blocks.file_size)
        lines = _Lines(path, handle, limits)
        lines.number = None
        _, width = _header(
            lines, counted(range_lines(path, handle, whole, limits.max_line_bytes)), limits
        )
    count = min(MAX_RANGES, max(1, -(-(blocks.data_ends[-1] - read) // RANGE_BYTES)))
    spans = plan_ranges(blocks, blocks.virtual(read), count)
    return [Part(f"r{number:02d}", span, width) for number, span in enumerate(spans)]


def _atomic_outputs(stack: ExitStack, paths: Sequence[Path]) -> list[BinaryIO]:
    """Open a temporary file beside each path; renamed into place when the stack closes
    without error, removed otherwise."""
    streams: list[BinaryIO] = []
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        stream = os.fdopen(handle, "wb")
        streams.append(stream)

        def finish(
            kind: object, value: object, trace: object, temp: str = temporary, final: Path = path
        ) -> None:
            if kind is None:
                os.replace(temp, final)
            else:
                Path(temp).unlink(missing_ok=True)

        stack.push(finish)
        stack.enter_context(stream)
    return streams


def _header(lines: _Lines, numbered: Iterator[bytes], limits: InputLimits) -> tuple[bytes, int]:
    """The `##` lines (as read) and the number of sample columns, after checking the limits."""
    first = next(numbered, b"")
    if not lines.text(first).startswith("##fileformat=VCF"):
        raise VcfError(lines.path, VcfProblem.NOT_VCF, "first line is not ##fileformat=VCF", 1)
    kept = [first]
    size = 0
    for raw in numbered:
        text = lines.text(raw)
        if text.startswith("##"):
            size += len(raw)
            check_header(lines.too_large, len(kept), size, limits)
            kept.append(raw)
            continue
        if not text.startswith("#CHROM"):
            raise VcfError(lines.path, VcfProblem.NOT_VCF, "no #CHROM line", lines.number)
        columns = text.split("\t")
        kept.append(("\t".join(columns[:9]) + "\t").encode())
        return b"".join(kept), max(len(columns) - 9, 0)
    raise VcfError(lines.path, VcfProblem.NOT_VCF, "no #CHROM line", lines.number)


@dataclass(frozen=True)
class RegionPatterns:
    """What a first pass found in one region: records kept, distinct sample columns."""

    records: int
    patterns: int


#: A three-character call `a?b` (a, b in 0-9 or "."; ? in "/" "|") as the byte
#: (2a + phased) * 11 + b, as the reader's compact path numbers it (see text._fixed_width).
_ALLELE_CHARS = b"0123456789."
#: Byte → its allele value (0-10) or separator value (0, 1); _NOT_A_CALL for any other byte.
_NOT_A_CALL = 255
_ALLELE_CODES = np.full(256, _NOT_A_CALL, dtype=np.uint8)
_ALLELE_CODES[np.frombuffer(_ALLELE_CHARS, dtype=np.uint8)] = np.arange(11)
_SEPARATOR_CODES = np.full(256, _NOT_A_CALL, dtype=np.uint8)
_SEPARATOR_CODES[np.frombuffer(b"/|", dtype=np.uint8)] = np.arange(2)
#: Code → the call's three characters and a tab.
_CALL_TEXT = np.zeros((256, 4), dtype=np.uint8)
for _a, _first in enumerate(_ALLELE_CHARS):
    for _phased, _separator in enumerate(b"/|"):
        for _b, _second in enumerate(_ALLELE_CHARS):
            _CALL_TEXT[(2 * _a + _phased) * 11 + _b] = (_first, _separator, _second, ord("\t"))


@dataclass
class _Record:
    """One kept record: its first nine fields, each sample's code, and (unless every column
    is a three-character call) the column text of each code."""

    head: bytes
    codes: np.ndarray[Any, Any]
    texts: list[bytes] | None

    def columns(self, chosen: np.ndarray[Any, Any]) -> bytes:
        picked = self.codes[chosen]
        if self.texts is None:
            return bytes(_CALL_TEXT[picked].tobytes()[:-1])
        return b"\t".join(map(self.texts.__getitem__, picked.tolist()))


def split_region(
    path: str,
    part: Part,
    fragment: Path,
    codes: Path,
    header: Path | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> RegionPatterns:
    """The part's distinct sample columns: `fragment` gets its records with one column per
    distinct pattern (the pattern's first sample's columns, patterns in order of first
    appearance), `codes` (NumPy) each sample's pattern number; with `header`, the file's
    header up to FORMAT (read by the part that starts the file). VcfError/LimitExceeded for a
    bad file; nothing is written then."""
    if part.span is not None:
        head, records, width = _range_records(path, part.span, part.width, limits)
    else:
        head, records, width = _part_records(path, part.name, limits)
    patterns, firsts = distinct_rows([r.codes for r in records], width)
    with ExitStack() as stack:
        outputs = _atomic_outputs(stack, [fragment, codes, *([header] if header else [])])
        for record in records:
            outputs[0].write(record.head + record.columns(firsts) + b"\n")
        np.save(outputs[1], patterns)
        if header:
            outputs[2].write(head)
    return RegionPatterns(len(records), len(firsts))


def _part_records(path: str, region: str, limits: InputLimits) -> tuple[bytes, list[_Record], int]:
    """The whole file's records (`ALL`), or a chromosome's through the index."""
    stream, bgzf = open_vcf(path)
    with stream:
        lines = _Lines(path, stream, limits)
        numbered = iter(lines)
        head, width = _header(lines, numbered, limits)
        collector = _targets()
        body: Iterable[bytes] = numbered
        if region != ALL:
            index = read_index(path) if bgzf else None
            if index is None:
                raise VcfError(path, VcfProblem.NOT_VCF, f"region {region} needs an index")
            collector.regions = {region: collector.regions[region]}
            collector.targets = {k: v for k, v in collector.targets.items() if k[0] == region}
            lines.number = None
            body = _indexed_lines(path, index, collector, limits)
        return head, _records(lines, collector, body, width), width


def _range_records(
    path: str, span: BlockRange, width: int, limits: InputLimits
) -> tuple[bytes, list[_Record], int]:
    """The records that start in a range of BGZF blocks (the first range reads the header)."""
    with open(path, "rb") as handle:
        lines = _Lines(path, handle, limits)
        lines.number = None  # a range does not know how many lines come before it
        body = range_lines(path, handle, span, limits.max_line_bytes)
        head = b""
        if span.begin == 0:
            head, width = _header(lines, body, limits)
        return head, _records(lines, _targets(), body, width), width


def distinct_rows(
    columns: Sequence[np.ndarray[Any, Any]], rows: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Rows of the matrix with these columns (non-negative integers), numbered by distinct
    value in order of first appearance: (each row's number, the first row of each number).

    Exact: each column is renumbered densely and packed into one 64-bit key per row, the keys
    renumbered whenever the next column could overflow them."""
    key = np.zeros(rows, dtype=np.int64)
    distinct = 1
    for column in columns:
        present = np.bincount(column) > 0 if rows else np.zeros(1, dtype=bool)
        values = int(present.sum())
        if distinct * values >= 1 << 62:
            key, distinct = _renumbered(key)
        dense = np.cumsum(present, dtype=np.int64) - 1
        key = key * values + dense[column]
        distinct *= values
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.ravel()].astype(np.int32), first[order].astype(np.int64)


def _renumbered(key: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], int]:
    found, inverse = np.unique(key, return_inverse=True)
    return inverse.ravel().astype(np.int64), len(found)


def _records(
    lines: _Lines, collector: Collector, body: Iterable[bytes], width: int
) -> list[_Record]:
    """`read_vcf`'s record filter (see text._scan), then each kept record's samples coded."""
    targets, regions = collector.targets, collector.regions
    chromosomes: dict[bytes, str] = {}
    records = []
    for raw in body:
        tab = raw.find(b"\t")
        name = raw[:tab]
        chromosome = chromosomes.get(name)
        if chromosome is None:
            normalized = normalize_chromosome(name.decode("ascii", "replace"))
            chromosome = chromosomes[name] = normalized if normalized in regions else ""
        if not chromosome:
            if raw.strip() and tab < 0:
                raise _error(lines, VcfProblem.MALFORMED_RECORD, "no tab-separated fields")
            continue
        end = raw.find(b"\t", tab + 1)
        try:
            pos = int(raw[tab + 1 : end])
        except ValueError:
            raise _error(lines, VcfProblem.MALFORMED_RECORD, "bad POS") from None
        if (chromosome, pos) not in targets and (
            pos > regions[chromosome][1] or b"END=" not in raw
        ):
            continue
        fields = raw.rstrip(b"\r\n").split(b"\t", 9)
        if len(fields) < 10:
            raise _error(lines, VcfProblem.MALFORMED_RECORD, f"{len(fields)} columns, no samples")
        head, rest = b"\t".join(fields[:9]) + b"\t", fields[9]
        codes = _three_character_codes(rest, width) if fields[8] == b"GT" else None
        if codes is not None:
            records.append(_Record(head, codes, None))
            continue
        columns = rest.split(b"\t")
        if len(columns) != width:
            raise _error(
                lines,
                VcfProblem.MALFORMED_RECORD,
                f"{len(columns)} sample columns, header has {width}",
            )
        records.append(_coded(head, fields[8], columns))
    return records


def _three_character_codes(rest: bytes, width: int) -> np.ndarray[Any, Any] | None:
    """Each sample's call as one byte when every column is a three-character call (the
    compact form); None otherwise."""
    if len(rest) != 4 * width - 1:
        return None
    cells = np.frombuffer(rest + b"\t", dtype=np.uint8).reshape(width, 4)
    if (cells[:, 3] != ord("\t")).any():
        return None
    first = _ALLELE_CODES[cells[:, 0]]
    phased = _SEPARATOR_CODES[cells[:, 1]]
    second = _ALLELE_CODES[cells[:, 2]]
    if max(int(first.max()), int(phased.max()), int(second.max())) == _NOT_A_CALL:
        return None
    return (first * 2 + phased) * 11 + second  # at most 241: no uint8 overflow


def _coded(head: bytes, format_field: bytes, columns: list[bytes]) -> _Record:
    """Samples coded by what the reader takes from their column (GT, and PS of a phased call;
    see text.genotype_values), so DP and other fields do not make patterns distinct. A
    column the reader would refuse is coded by its bytes (the reader then refuses it)."""
    keys = format_field.decode("ascii", "replace").split(":")
    values: Sequence[object] = columns
    if "GT" in keys:
        try:
            values = genotype_values([c.decode("utf-8") for c in columns], keys)
        except UnicodeDecodeError:
            values = columns
    number: dict[object, int] = {}
    texts: list[bytes] = []
    codes = np.empty(len(columns), dtype=np.uint32)
    for i, value in enumerate(values):
        code = number.get(value)
        if code is None:
            code = number[value] = len(texts)
            texts.append(columns[i])
        codes[i] = code
    return _Record(head, codes.astype(np.uint16) if len(texts) < 1 << 16 else codes, texts)


def _error(lines: _Lines, problem: VcfProblem, detail: str) -> VcfError:
    return VcfError(lines.path, problem, detail, lines.number)


def pattern_vcf(
    header: Path,
    fragments: Sequence[Path],
    columns: Sequence[Sequence[int]],
    names: Sequence[str],
    output: Path,
) -> None:
    """A VCF at `output` of chosen patterns: `header`, then each region's fragment with, per
    pattern (named by `names`), the fragment column `columns[region][pattern]`."""
    with output.open("wb") as stream:
        stream.write(header.read_bytes() + "\t".join(names).encode() + b"\n")
        for fragment, chosen in zip(fragments, columns, strict=True):
            picked = np.asarray(chosen, dtype=np.int64)
            width = int(picked.max()) + 1 if len(picked) else 0
            with fragment.open("rb") as source:
                for line in source:
                    fields = line.rstrip(b"\r\n").split(b"\t", 9)
                    cells = fields[9]
                    if _three_character_columns(cells, width):
                        grid = np.frombuffer(cells[: 4 * width - 1] + b"\t", dtype=np.uint8)
                        row = grid.reshape(width, 4)[picked].tobytes()[:-1]
                    else:
                        row = b"\t".join(map(cells.split(b"\t").__getitem__, picked.tolist()))
                    stream.write(b"\t".join(fields[:9]) + b"\t" + row + b"\n")


def _three_character_columns(cells: bytes, width: int) -> bool:
    """Whether the first `width` columns of `cells` are three characters each (then they are
    cut by offset)."""
    end = 4 * width - 1
    return (
        width > 0
        and len(cells) >= end
        and (len(cells) == end or cells[end] == ord("\t"))
        and not cells[3:end:4].strip(b"\t")
    )
