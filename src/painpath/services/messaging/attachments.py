"""Checking a file someone attaches to a message, before anything of it is kept.

The type is what the file's own first bytes show (PDF, PNG or JPEG), and the name the sender
gave it must agree (a PNG called `scan.pdf` is refused); an empty file and one over
`max_attachment_bytes` are refused too. Every refusal names the form field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

from painpath.kit.file_types import SNIFF_BYTES, FileType, sniff
from painpath.kit.limits import InputLimits
from painpath.services.errors import ContentTooLarge, InvalidInput

#: The form field (API and pages) that carries the file.
ATTACHMENT_FIELD = "attachment"
_NAMES = [kind.name.upper() for kind in FileType]
ACCEPTED = ", ".join(_NAMES[:-1]) + " or " + _NAMES[-1]  # "PDF, PNG or JPEG"


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file received from the sender and spooled to `path` (the caller deletes it)."""

    path: Path
    filename: str | None
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class CheckedAttachment:
    upload: UploadedFile
    media_type: FileType
    filename: str


def check_attachment(upload: UploadedFile, limits: InputLimits) -> CheckedAttachment:
    """The file's type and display name, or InvalidInput / ContentTooLarge naming the field."""
    field = ATTACHMENT_FIELD
    if upload.size == 0:
        raise InvalidInput("the attached file is empty", field=field)
    if upload.size > limits.max_attachment_bytes:
        raise ContentTooLarge(
            f"the attached file is larger than {limits.max_attachment_bytes} bytes "
            f"(limit PAINPATH_MAX_ATTACHMENT_BYTES={limits.max_attachment_bytes})",
            field=field,
        )
    with upload.path.open("rb") as stream:
        media_type = sniff(stream.read(SNIFF_BYTES))
    if media_type is None:
        raise InvalidInput(f"attach a {ACCEPTED} file; this one is none of them", field=field)
    filename = upload.filename or f"attachment{media_type.extension}"
    if PurePath(filename).suffix.lower() not in media_type.extensions:
        names = " or ".join(media_type.extensions)
        raise InvalidInput(
            f"the file is a {media_type.name.upper()} but its name {filename!r} does not end in "
            f"{names}",
            field=field,
        )
    return CheckedAttachment(upload, media_type, filename)
