"""What a file is, judged by its first bytes (its "magic number"), never by its name or the
Content-Type a client claims.

Only the few types painpath accepts from people are known here: PDF documents and PNG and
JPEG images. Each is recognised by the signature its specification puts at the start:
PDF `%PDF-` (ISO 32000-1, 7.5.2 File Header), PNG the 8-byte signature followed by the IHDR
chunk (PNG specification, 5.2 and 5.3), JPEG the SOI marker followed by another marker
(ITU-T T.81, B.1.1.3 and B.2.1).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SNIFF_BYTES", "FileType", "sniff"]

#: How many leading bytes `sniff` needs.
SNIFF_BYTES = 16


class FileType(StrEnum):
    """An accepted file type, by its media type."""

    pdf = "application/pdf"
    png = "image/png"
    jpeg = "image/jpeg"

    @property
    def extensions(self) -> tuple[str, ...]:
        """File name extensions a person gives this type (lower case, with the dot)."""
        return _EXTENSIONS[self]

    @property
    def extension(self) -> str:
        """The extension painpath gives a file of this type it hands out."""
        return _EXTENSIONS[self][0]


_EXTENSIONS = {
    FileType.pdf: (".pdf",),
    FileType.png: (".png",),
    FileType.jpeg: (".jpg", ".jpeg"),
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sniff(head: bytes) -> FileType | None:
    """The type the first bytes of a file show, or None for anything else."""
    if head.startswith(b"%PDF-"):
        return FileType.pdf
    # The signature, then the first chunk: 4-byte length 13 and type IHDR.
    if head.startswith(_PNG_SIGNATURE) and head[8:16] == b"\x00\x00\x00\x0dIHDR":
        return FileType.png
    # SOI (FF D8), then the first marker segment of the frame (FF xx).
    if len(head) >= 4 and head[:3] == b"\xff\xd8\xff" and head[3] not in (0x00, 0xFF):
        return FileType.jpeg
    return None
