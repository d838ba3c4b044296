"""A bgzipped VCF without an index cut into ranges of BGZF blocks, each read on its own.

Every BGZF block names its own compressed size (the BSIZE field of the `BC` subfield in the
gzip header's extra field) and its uncompressed size (the ISIZE of its footer), so the chain of
block starts is known from a few bytes per block, without decompressing anything. `plan_ranges`
walks that chain and cuts the blocks after the header into ranges of about equal uncompressed
size; `range_lines` decompresses one range and yields the lines that start inside it. A record
may straddle a block boundary: it belongs to the range it starts in, whose reader finishes it
from the following blocks (at most `max_line_bytes` past the range), and the next range's
reader skips its tail. Format: the SAM/BAM specification, section 4.1 "The BGZF compression
format" (samtools/hts-specs, SAMv1.pdf).
"""

from __future__ import annotations

import struct
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from painpath.kit.limits import InputLimits, LimitExceeded
from painpath.pgx.vcf.model import VcfError, VcfProblem

#: ID1 ID2 CM FLG (FEXTRA set), MTIME, XFL, OS, XLEN: the fixed start of every block.
_HEADER = struct.Struct("<4s4xBBH")
_MAGIC = b"\x1f\x8b\x08\x04"
#: A block's data is at most 64 KiB; its compressed size fits BSIZE's 16 bits.
_MAX_DATA = 1 << 16
_FOOTER = 8  # CRC32, ISIZE


class NotBgzf(Exception):
    """A gzip member without the BGZF `BC` subfield: the file is read in one pass instead."""


@dataclass(frozen=True, slots=True)
class Blocks:
    """The chain of a file's blocks: each one's file offset and the uncompressed bytes of
    the file up to its end."""

    offsets: array[int]
    data_ends: array[int]
    file_size: int

    def virtual(self, position: int) -> int:
        """The virtual offset of the byte at `position` of the uncompressed file (past the
        end: the last block's start)."""
        number = bisect_right(self.data_ends, position)
        if number == len(self.offsets):
            return self.offsets[-1] << 16
        start = self.data_ends[number - 1] if number else 0
        return self.offsets[number] << 16 | (position - start)


def _corrupt(path: str, offset: int, why: str) -> VcfError:
    return VcfError(path, VcfProblem.TRUNCATED, f"BGZF block at byte {offset}: {why}")


def _block_size(path: str, head: bytes, offset: int, file_size: int) -> int:
    """The whole block's size, from its header (`head`: its first 12 bytes and extra field)."""
    if len(head) < _HEADER.size:
        raise _corrupt(path, offset, "the file ends inside the block header")
    magic, _xfl, _os, xlen = _HEADER.unpack_from(head)
    if magic[:3] != _MAGIC[:3]:
        raise _corrupt(path, offset, "no gzip header where the previous block's BSIZE points")
    if magic != _MAGIC:
        raise NotBgzf
    extra = head[_HEADER.size : _HEADER.size + xlen]
    at = 0
    while at + 4 <= len(extra):
        (length,) = struct.unpack_from("<H", extra, at + 2)
        if extra[at : at + 2] == b"BC" and length == 2 and at + 6 <= len(extra):
            size = int(struct.unpack_from("<H", extra, at + 4)[0]) + 1
            if size < _HEADER.size + xlen + _FOOTER:
                raise _corrupt(path, offset, f"BSIZE {size - 1} is smaller than its header")
            if offset + size > file_size:
                raise _corrupt(path, offset, f"BSIZE {size - 1} runs past the end of the file")
            return size
        at += 4 + length
    raise NotBgzf


def block_chain(path: str, handle: BinaryIO, limits: InputLimits) -> Blocks:
    """Every block's start, read from the BSIZE fields (each block's header and footer only).

    VcfError for a corrupt or truncated block, LimitExceeded when the blocks hold more than
    `max_decompressed_bytes`, NotBgzf for a gzip member that is not a BGZF block."""
    handle.seek(0, 2)
    file_size = handle.tell()
    offsets, data_ends = array("q"), array("q")
    offset = total = 0
    while offset < file_size:
        handle.seek(offset)
        head = handle.read(_HEADER.size + 256)
        size = _block_size(path, head, offset, file_size)
        handle.seek(offset + size - 4)
        (data_size,) = struct.unpack("<I", handle.read(4))
        if data_size > _MAX_DATA:
            raise _corrupt(path, offset, f"ISIZE {data_size} is more than 64 KiB")
        total += data_size
        if total > limits.max_decompressed_bytes:
            raise LimitExceeded(
                path,
                "max_decompressed_bytes",
                limits.max_decompressed_bytes,
                f"more than {limits.max_decompressed_bytes} bytes after decompression",
            )
        offsets.append(offset)
        data_ends.append(total)
        offset += size
    return Blocks(offsets, data_ends, file_size)


@dataclass(frozen=True, slots=True)
class BlockRange:
    """The lines whose first byte lies at a virtual offset (block offset << 16 | offset in
    its data) in [begin, end << 16); `previous`: the last block with data before `begin`'s
    (-1 when `begin` is known to start a line), whose last byte says whether it does."""

    begin: int
    end: int
    previous: int = -1


def plan_ranges(blocks: Blocks, body: int, count: int) -> list[BlockRange]:
    """At most `count` ranges of the whole file, cut at block starts after the virtual offset
    `body` (the first record's, so the header is all in the first range) into about equal
    uncompressed sizes."""
    first = blocks.offsets.index(body >> 16)
    starts = [first]
    low = blocks.data_ends[first - 1] if first else 0
    share = (blocks.data_ends[-1] - low) / max(count, 1)
    total = blocks.data_ends[-1]
    for number in range(first + 1, len(blocks.offsets)):
        done = blocks.data_ends[number - 1]
        if done - low >= share * len(starts) and done < total:
            starts.append(number)
    ranges = []
    for order, start in enumerate(starts):
        end = starts[order + 1] if order + 1 < len(starts) else len(blocks.offsets)
        end_offset = blocks.offsets[end] if end < len(blocks.offsets) else blocks.file_size
        if order == 0:
            ranges.append(BlockRange(0, end_offset))
            continue
        previous = start - 1
        while previous > 0 and blocks.data_ends[previous] == blocks.data_ends[previous - 1]:
            previous -= 1  # an empty block holds no last byte
        ranges.append(BlockRange(blocks.offsets[start] << 16, end_offset, blocks.offsets[previous]))
    return ranges


def _data(path: str, handle: BinaryIO, offset: int, file_size: int) -> tuple[bytes, int]:
    """The block at `offset` decompressed (its length and CRC checked), and the next offset."""
    handle.seek(offset)
    head = handle.read(_HEADER.size + 256)
    try:
        size = _block_size(path, head, offset, file_size)
    except NotBgzf:
        raise _corrupt(path, offset, "not a BGZF block") from None
    handle.seek(offset)
    block = handle.read(size)
    (xlen,) = struct.unpack_from("<H", block, 10)
    crc, data_size = struct.unpack_from("<II", block, size - _FOOTER)
    try:
        data = zlib.decompress(block[_HEADER.size + xlen : size - _FOOTER], -15)
    except zlib.error as error:
        raise _corrupt(path, offset, str(error)) from None
    if len(data) != data_size or zlib.crc32(data) != crc:
        raise _corrupt(path, offset, "its data does not match its length or CRC")
    return data, offset + size


def _too_long(path: str, max_line: int) -> LimitExceeded:
    detail = f"a line is longer than {max_line} bytes"
    return LimitExceeded(path, "max_line_bytes", max_line, detail)


def range_lines(path: str, handle: BinaryIO, span: BlockRange, max_line: int) -> Iterator[bytes]:
    """The lines of `span` (see BlockRange), each with its newline (the file's last line may
    have none); LimitExceeded for a line longer than `max_line` bytes before it is joined."""
    file_size = handle.seek(0, 2)
    offset, at = span.begin >> 16, span.begin & 0xFFFF
    skipping = False
    if span.previous >= 0:
        before, _ = _data(path, handle, span.previous, file_size)
        skipping = not before.endswith(b"\n")
    pieces: list[bytes] = []
    length = 0
    while offset < file_size:
        data, following = _data(path, handle, offset, file_size)
        if skipping:
            newline = data.find(b"\n", at)
            if newline >= 0:
                skipping, at = False, newline + 1
            elif following >= span.end:
                return  # no line starts in this range: the previous range's last line fills it
            else:
                offset, at = following, 0
                continue
        while at < len(data):
            if not pieces and offset >= span.end:
                return
            newline = data.find(b"\n", at)
            if newline < 0:
                pieces.append(data[at:])
                length += len(data) - at
                if length > max_line:
                    raise _too_long(path, max_line)
                break
            if pieces:
                pieces.append(data[at : newline + 1])
                line = b"".join(pieces)
                pieces, length = [], 0
            else:
                line = data[at : newline + 1]
            if len(line) > max_line:
                raise _too_long(path, max_line)
            yield line
            at = newline + 1
        offset, at = following, 0
    if pieces:
        yield b"".join(pieces)
