"""Zip archives opened within the input limits.

`zipfile` reads the whole central directory into memory when it opens an archive, and
`ZipFile.read` returns a member whole: a small upload can list millions of members or hold a
member that inflates a thousandfold. `open_zip` walks the central directory's entry headers
(without keeping them) and counts them before zipfile parses anything, and `read_member`
reads at most the limit, one byte more to notice, whatever size the member claims.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

from painpath.kit.limits import InputLimits, LimitExceeded
from painpath.monitoring.wearables.errors import FileProblem, WearableFileError

_END = b"PK\x05\x06"
_END64 = b"PK\x06\x06"
_ENTRY = b"PK\x01\x02"
#: The end-of-directory record (22 bytes) and the longest comment it may carry.
_TAIL = 22 + 0xFFFF


def _directory(handle: BinaryIO, where: str) -> tuple[int, int]:
    """Where the central directory starts and how long it is, found as zipfile finds it: it
    ends where the end-of-directory record (or the zip64 record before it) begins."""
    size = handle.seek(0, 2)
    start = max(0, size - _TAIL)
    handle.seek(start)
    tail = handle.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) < at + 22:
        raise WearableFileError(where, FileProblem.BAD_ZIP, "no end-of-directory record")
    (length,) = struct.unpack_from("<I", tail, at + 12)
    end = start + at
    if end >= 76:
        handle.seek(end - 76)
        record = handle.read(56)
        if record.startswith(_END64):
            (length,) = struct.unpack_from("<Q", record, 40)
            end -= 76
    if length > end:
        raise WearableFileError(where, FileProblem.BAD_ZIP, "the directory is larger than the file")
    return end - length, length


def member_count(path: Path, most: int) -> int:
    """How many entries the central directory holds, walked header by header (at most
    `most` + 1 are counted: enough to refuse)."""
    where = str(path)
    with path.open("rb") as handle:
        position, length = _directory(handle, where)
        end, count = position + length, 0
        while position < end and count <= most:
            handle.seek(position)
            header = handle.read(46)
            if len(header) < 46 or not header.startswith(_ENTRY):
                raise WearableFileError(where, FileProblem.BAD_ZIP, "bad central directory entry")
            name, extra, comment = struct.unpack_from("<HHH", header, 28)
            position += 46 + name + extra + comment
            count += 1
        return count


def open_zip(path: Path, limits: InputLimits) -> zipfile.ZipFile:
    """The archive, once its member count is within `max_zip_members`."""
    most = limits.max_zip_members
    if member_count(path, most) > most:
        raise LimitExceeded(str(path), "max_zip_members", most, f"more than {most} members")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError) as error:
        raise WearableFileError(str(path), FileProblem.BAD_ZIP, str(error)) from None


def read_member(archive: zipfile.ZipFile, member: str, where: str, limits: InputLimits) -> bytes:
    """A member's bytes, refused past `max_json_bytes` (the member is read whole)."""
    most = limits.max_json_bytes
    too_large = LimitExceeded(
        where, "max_json_bytes", most, f"the member is larger than {most} bytes uncompressed"
    )
    if archive.getinfo(member).file_size > most:
        raise too_large
    with archive.open(member) as stream:
        data = stream.read(most + 1)
    if len(data) > most:
        raise too_large
    return data
