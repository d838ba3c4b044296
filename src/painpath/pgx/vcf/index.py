"""Tabix (.tbi) and CSI (.csi) indexes of a bgzipped VCF, read in pure Python.

With an index beside the file, only the BGZF blocks that hold the gene regions are
decompressed: a whole-genome VCF is read in a fraction of a second instead of a full scan.
Formats: the SAM/tabix and CSI specifications (samtools/hts-specs, "Tabix.pdf", "CSIv1.pdf").
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from painpath.kit.limits import LimitExceeded
from painpath.pgx.build import normalize_chromosome

Chunk = tuple[int, int]  # virtual offsets: (compressed offset << 16) | offset in block


@dataclass(frozen=True, slots=True)
class _Bins:
    bins: dict[int, list[Chunk]]
    #: Tabix linear index (16 kb windows); CSI: per-bin lowest offsets are not used.
    linear: list[int]


@dataclass(frozen=True, slots=True)
class VcfIndex:
    names: tuple[str, ...]
    references: tuple[_Bins, ...]
    min_shift: int
    depth: int

    def chunks(self, chromosome: str, begin: int, end: int) -> list[Chunk]:
        """Chunks that may hold records overlapping [begin, end) (0-based) on a chromosome."""
        wanted = [i for i, n in enumerate(self.names) if normalize_chromosome(n) == chromosome]
        found: list[Chunk] = []
        for reference in wanted:
            bins = self.references[reference]
            floor = 0
            if bins.linear:
                floor = bins.linear[min(begin >> self.min_shift, len(bins.linear) - 1)]
            for bin_number in _overlapping_bins(begin, end, self.min_shift, self.depth):
                found.extend(c for c in bins.bins.get(bin_number, ()) if c[1] > floor)
        return found


def _overlapping_bins(begin: int, end: int, min_shift: int, depth: int) -> Iterator[int]:
    end -= 1
    first, shift = 0, min_shift + depth * 3
    for level in range(depth + 1):
        yield from range(first + (begin >> shift), first + (end >> shift) + 1)
        shift -= 3
        first += 1 << (level * 3)


class _Cursor:
    def __init__(self, data: bytes):
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[int, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def bytes(self, size: int) -> bytes:
        self.at += size
        return self.data[self.at - size : self.at]


def _names(blob: bytes) -> tuple[str, ...]:
    return tuple(n.decode("ascii", "replace") for n in blob.split(b"\0") if n)


def _references(cursor: _Cursor, n_ref: int, csi: bool) -> tuple[_Bins, ...]:
    references = []
    for _ in range(n_ref):
        (n_bin,) = cursor.take("i")
        bins: dict[int, list[Chunk]] = {}
        for _ in range(n_bin):
            if csi:
                bin_number, _lowest, n_chunk = cursor.take("IQi")
            else:
                bin_number, n_chunk = cursor.take("Ii")
            flat = cursor.take(f"{2 * n_chunk}Q")
            bins[bin_number] = list(zip(flat[0::2], flat[1::2], strict=True))
        linear: list[int] = []
        if not csi:
            (n_intv,) = cursor.take("i")
            linear = list(cursor.take(f"{n_intv}Q"))
        references.append(_Bins(bins, linear))
    return tuple(references)


def read_index(path: str) -> VcfIndex | None:
    """The .tbi or .csi index of a bgzipped VCF, when one exists and is not older than it."""
    for suffix in (".tbi", ".csi"):
        index_path = path + suffix
        if not os.path.exists(index_path):
            continue
        if os.path.getmtime(index_path) < os.path.getmtime(path):
            return None  # a stale index could skip records: scan the file instead
        try:
            with open(index_path, "rb") as handle:
                return _parse(gzip.decompress(handle.read()))
        except (OSError, EOFError, zlib.error, struct.error, ValueError):
            return None
    return None


def _parse(data: bytes) -> VcfIndex:
    cursor = _Cursor(data)
    magic = cursor.bytes(4)
    if magic == b"TBI\x01":
        n_ref, _fmt, _seq, _beg, _end, _meta, _skip, l_nm = cursor.take("8i")
        return VcfIndex(_names(cursor.bytes(l_nm)), _references(cursor, n_ref, csi=False), 14, 5)
    if magic == b"CSI\x01":
        min_shift, depth, l_aux = cursor.take("3i")
        aux = _Cursor(cursor.bytes(l_aux))
        contigs: tuple[str, ...] = ()
        if l_aux >= 28:
            *_, l_nm = aux.take("7i")
            contigs = _names(aux.bytes(l_nm))
        (n_ref,) = cursor.take("i")
        return VcfIndex(contigs, _references(cursor, n_ref, csi=True), min_shift, depth)
    raise ValueError("not a tabix or CSI index")


def merge(chunks: Iterable[Chunk]) -> list[Chunk]:
    merged: list[Chunk] = []
    for begin, end in sorted(chunks):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _block(handle: BinaryIO, offset: int) -> tuple[bytes, int]:
    """Decompress the BGZF block at a file offset; returns its data and the next offset."""
    handle.seek(offset)
    header = handle.read(12)
    if len(header) < 12:
        return b"", offset
    (xlen,) = struct.unpack_from("<H", header, 10)
    extra = handle.read(xlen)
    size = None
    at = 0
    while at + 4 <= len(extra):
        (slen,) = struct.unpack_from("<H", extra, at + 2)
        if extra[at : at + 2] == b"BC":
            size = struct.unpack_from("<H", extra, at + 4)[0] + 1
        at += 4 + slen
    if size is None:
        raise ValueError("not a BGZF block")
    body = handle.read(size - 12 - xlen)
    return zlib.decompress(body[:-8], -15), offset + size


def _chunk_lines(handle: BinaryIO, begin: int, end: int, max_line: int) -> Iterator[bytes]:
    """Lines whose first byte lies at a virtual offset in [begin, end)."""
    block, start = begin >> 16, begin & 0xFFFF
    pending, pending_at = b"", 0
    while True:
        data, following = _block(handle, block)
        if not data:
            return
        at = start
        if pending:
            newline = data.find(b"\n", at)
            if newline < 0:
                pending += data[at:]
                if len(pending) > max_line:
                    raise LimitExceeded(
                        handle.name,
                        "max_line_bytes",
                        max_line,
                        f"a line is longer than {max_line} bytes",
                    )
                block, start = following, 0
                continue
            if pending_at >= end:
                return
            yield pending + data[at : newline + 1]
            pending, at = b"", newline + 1
        while at < len(data):
            voffset = (block << 16) | at
            if voffset >= end:
                return
            newline = data.find(b"\n", at)
            if newline < 0:
                pending, pending_at = data[at:], voffset
                break
            yield data[at : newline + 1]
            at = newline + 1
        block, start = following, 0


def lines_in(path: str, chunks: Iterable[Chunk], max_line: int) -> Iterator[bytes]:
    """Lines starting inside the chunks (merged first, so each line comes once); a line
    longer than `max_line` bytes raises LimitExceeded before it is put together."""
    with open(path, "rb") as handle:
        for begin, end in merge(chunks):
            yield from _chunk_lines(handle, begin, end, max_line)
