"""BGZF files with chosen block boundaries, for the tests of the range reader."""

from __future__ import annotations

import itertools
import struct
import zlib


def block(data: bytes) -> bytes:
    """One BGZF block (a gzip member with the BC subfield holding its size less one)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = compressor.compress(data) + compressor.flush()
    head = struct.pack("<4BI2BH2BHH", 31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2, len(body) + 25)
    return head + body + struct.pack("<2I", zlib.crc32(data), len(data))


def bgzf(text: bytes, cuts: list[int]) -> bytes:
    """`text` in blocks cut at these offsets (an offset twice: an empty block there), then the
    end-of-file block."""
    bounds = [0, *cuts, len(text)]
    blocks = [block(text[a:b]) for a, b in itertools.pairwise(bounds)]
    return b"".join(blocks) + block(b"")
