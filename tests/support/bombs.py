"""Decompression bombs, generated in a second or two: a gzip file or a zip member that inflates
to a gibibyte from about a megabyte.

Compressing a gibibyte takes zlib 15-25 s; instead one megabyte of filler is compressed once,
ending with a full flush (byte-aligned, no reference to earlier data), and that segment is
repeated: the deflate stream stays valid and inflates to the filler repeated. The CRC is
computed over the real content, so the files are well-formed to the last byte.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Deflated:
    data: bytes
    crc: int
    size: int


def deflate_bomb(prefix: bytes, filler: bytes, repeats: int, suffix: bytes = b"") -> Deflated:
    """Raw deflate of prefix + filler × repeats + suffix (filler is repeated to CHUNK bytes)."""
    chunk = (filler * (CHUNK // len(filler) + 1))[:CHUNK]
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(suffix) + compressor.flush()
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + repeats * CHUNK + len(suffix)
    return Deflated(head + segment * repeats + tail, crc, size)


def write_gzip(path: Path, deflated: Deflated) -> Path:
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", deflated.crc, deflated.size & 0xFFFFFFFF)
    path.write_bytes(header + deflated.data + trailer)
    return path


def write_zip(path: Path, members: dict[str, Deflated]) -> Path:
    """A zip of deflated members (sizes below 4 GiB: no zip64 needed)."""
    body, directory = bytearray(), bytearray()
    for name, member in members.items():
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0x21, member.crc, len(member.data), member.size, len(encoded), 0)
        offset = len(body)
        body += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields) + encoded + member.data
        directory += (
            b"PK\x01\x02"
            + struct.pack("<HHHHHHIIIHHHHHII", 20, *fields, 0, 0, 0, 0, offset)
            + encoded
        )
    end = struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(directory), len(body), 0)
    path.write_bytes(bytes(body) + bytes(directory) + b"PK\x05\x06" + end)
    return path


def small_gzip(path: Path, text: bytes) -> Path:
    path.write_bytes(gzip.compress(text, 9))
    return path
