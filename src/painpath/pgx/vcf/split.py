"""Split a text VCF's PGx records by sample block, read once: the first pass of pgx-cohort.

A cohort job calls each block of samples separately. Reading the whole file once per block
would parse every sample column once per block; instead `split_region` reads the records
that the reader could use (the same filter as `read_vcf`'s scan, over the positions of every
build) once and writes, for each block of samples, a fragment holding those records with
only the block's genotype columns. `block_vcf` joins a block's header and its fragments into
a small VCF that `read_vcf` (and so `pgx batch`'s engine) reads exactly as it would read the
block's columns of the original file. Nothing here interprets a genotype.

Regions: a bgzipped file with a usable tabix/CSI index is split per chromosome of the gene
regions (each region's blocks are decompressed by its own task); any other text VCF is read
in one pass (region `ALL`), since a region of an unindexed file costs a full read. BCF files
are not split (the BCF reader decodes only the chosen samples).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

from painpath.kit.limits import DEFAULT_LIMITS, InputLimits
from painpath.pgx.build import GenomeBuild, normalize_chromosome, position_table
from painpath.pgx.definitions import all_definitions
from painpath.pgx.vcf.collect import Collector
from painpath.pgx.vcf.index import read_index
from painpath.pgx.vcf.model import VcfError, VcfProblem
from painpath.pgx.vcf.text import IsBcf, _indexed_lines, _Lines, check_header, open_vcf

#: The region of a file read in one pass (no usable index).
ALL = "all"


def _targets() -> Collector:
    """A collector holding the target positions and regions of every build (no samples)."""
    collector = Collector("", all_definitions(), None, None)
    collector.targets = position_table(collector.definitions, list(GenomeBuild))
    for chromosome, pos in collector.targets:
        low, high = collector.regions.get(chromosome, (pos, pos))
        collector.regions[chromosome] = (min(low, pos), max(high, pos))
    return collector


def split_regions(path: str) -> list[str] | None:
    """The regions a first pass over `path` is split into, or None for a BCF (not split)."""
    try:
        stream, bgzf = open_vcf(path)
    except IsBcf:
        return None
    stream.close()
    if bgzf and read_index(path) is not None:
        return sorted(_targets().regions)
    return [ALL]


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


def split_region(
    path: str,
    region: str,
    samples: Sequence[Sequence[str]],
    fragments: Sequence[Path],
    headers: Sequence[Path] = (),
    limits: InputLimits = DEFAULT_LIMITS,
) -> int:
    """Write the region's records, cut into the blocks `samples` (consecutive sample columns of
    the file, in order), to `fragments` (one per block); with `headers`, each block's header
    too. Returns the number of records written. VcfError/LimitExceeded for a bad file."""
    stream, bgzf = open_vcf(path)
    with stream:
        lines = _Lines(path, stream, limits)
        numbered = iter(lines)
        header, width = _header(lines, numbered, limits)
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
        bounds, start = [], 0
        for block in samples:
            bounds.append((start, start + len(block)))
            start += len(block)
        if start != width:
            raise VcfError(path, VcfProblem.UNKNOWN_SAMPLE, f"{start} samples, file has {width}")
        with ExitStack() as stack:
            if headers:
                for stream_out, block in zip(_atomic_outputs(stack, headers), samples, strict=True):
                    stream_out.write(header + "\t".join(block).encode() + b"\n")
            outputs = _atomic_outputs(stack, fragments)
            return _split_records(lines, collector, body, width, bounds, outputs)


def _split_records(
    lines: _Lines,
    collector: Collector,
    body: Iterable[bytes],
    width: int,
    bounds: Sequence[tuple[int, int]],
    outputs: Sequence[BinaryIO],
) -> int:
    """`read_vcf`'s record filter (see text._scan), then each kept record's columns cut."""
    targets, regions = collector.targets, collector.regions
    chromosomes: dict[bytes, str] = {}
    fixed = 4 * width - 1
    written = 0
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
        if len(rest) == fixed:  # every call three characters: cut by offset
            for (low, high), output in zip(bounds, outputs, strict=True):
                output.write(head + rest[4 * low : 4 * high - 1] + b"\n")
        else:
            columns = rest.split(b"\t")
            if len(columns) != width:
                raise _error(
                    lines,
                    VcfProblem.MALFORMED_RECORD,
                    f"{len(columns)} sample columns, header has {width}",
                )
            for (low, high), output in zip(bounds, outputs, strict=True):
                output.write(head + b"\t".join(columns[low:high]) + b"\n")
        written += 1
    return written


def _error(lines: _Lines, problem: VcfProblem, detail: str) -> VcfError:
    return VcfError(lines.path, problem, detail, lines.number)


def block_vcf(header: Path, fragments: Sequence[Path], output: Path) -> None:
    """Join a block's header and its region fragments (in order) into one VCF at `output`."""
    with output.open("wb") as stream:
        for part in (header, *fragments):
            with part.open("rb") as source:
                shutil.copyfileobj(source, stream, 1 << 20)
