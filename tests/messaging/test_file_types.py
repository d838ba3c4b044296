"""The type of an attached file comes from its first bytes only."""

from __future__ import annotations

import pytest

from painpath.kit.file_types import SNIFF_BYTES, FileType, sniff
from tests.messaging import files


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (files.pdf(), FileType.pdf),
        (files.png(), FileType.png),
        (files.jpeg(), FileType.jpeg),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, None),  # the signature, but no IHDR chunk
        (b"\xff\xd8\xff\x00", None),  # SOI, then no marker
        (b"\xff\xd8", None),  # cut short
        (b"%PDF", None),  # no version dash
        (b"<html><script>", None),
        (b"PK\x03\x04", None),  # a zip (or .docx)
        (b"", None),
    ],
)
def test_sniff_knows_pdf_png_and_jpeg_by_their_signatures(
    content: bytes, expected: FileType | None
) -> None:
    assert sniff(content[:SNIFF_BYTES]) is expected


def test_each_type_has_the_extensions_people_give_it() -> None:
    assert FileType.jpeg.extensions == (".jpg", ".jpeg")
    assert [kind.extension for kind in FileType] == [".pdf", ".png", ".jpg"]
