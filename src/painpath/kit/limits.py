"""Bounds on what reading one input file may cost, whatever the file says about itself.

A compressed file or a zip can expand a thousandfold, and a file of any size can hold one
enormous line or header. Readers (VCF, wearable exports) take an `InputLimits` and stop with
`LimitExceeded`, naming the limit, as soon as one is passed: memory stays bounded by the
limits, not by the file. The web and CLI shells build one from the settings
(`PAINPATH_MAX_*`) and answer 413 (or exit 2) with the limit's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["DEFAULT_LIMITS", "InputLimits", "LimitExceeded", "LimitedReader"]

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class InputLimits:
    """The limits, each named as its setting is (PAINPATH_ + the name, upper case)."""

    #: Bytes read from one file after decompression (a gzip/BGZF VCF, a BCF, a zip's members).
    max_decompressed_bytes: int = 8 * 1024 * MIB
    #: The longest line of a VCF or an NDJSON file, and the longest stretch of XML before an
    #: element is complete.
    max_line_bytes: int = 4 * MIB
    #: `##` meta-information lines in a VCF/BCF header, and their bytes together.
    max_header_lines: int = 100_000
    max_header_bytes: int = 16 * MIB
    #: A JSON document read whole: an Open mHealth or FHIR JSON file, each member of a zip.
    max_json_bytes: int = 8 * MIB
    #: Members of a zip archive (its directory is read into memory to list them).
    max_zip_members: int = 100_000
    #: One file attached to a secure message (a PDF, PNG or JPEG).
    max_attachment_bytes: int = 10 * MIB


DEFAULT_LIMITS = InputLimits()


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...

    def readline(self, size: int = ..., /) -> bytes: ...


class LimitExceeded(ValueError):
    """An input passed one of the limits; `limit` is the InputLimits field name."""

    def __init__(self, where: str, limit: str, value: int, detail: str) -> None:
        self.where = where
        self.limit = limit
        self.value = value
        self.detail = detail
        super().__init__(f"{where}: {detail} (limit {limit} = {value})")

    @property
    def setting(self) -> str:
        """The environment variable that sets the limit."""
        return f"PAINPATH_{self.limit.upper()}"


class LimitedReader:
    """A binary stream that refuses to deliver more than `limit` bytes in total (the
    decompressed-size limit), raising LimitExceeded on the read that would pass it."""

    def __init__(self, stream: Readable, where: str, limits: InputLimits) -> None:
        self.stream = stream
        self.where = where
        self.limit = limits.max_decompressed_bytes
        self.total = 0

    def _count(self, data: bytes) -> bytes:
        self.total += len(data)
        if self.total > self.limit:
            raise LimitExceeded(
                self.where,
                "max_decompressed_bytes",
                self.limit,
                f"more than {self.limit} bytes after decompression",
            )
        return data

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:  # "all of it": never more than the limit allows, plus one to notice
            size = self.limit - self.total + 1
        return self._count(self.stream.read(size))

    def readline(self, size: int = -1, /) -> bytes:
        if size < 0:
            size = self.limit - self.total + 1
        return self._count(self.stream.readline(size))
