"""The input limits from the settings, and the 413 a file that passes one gets."""

from __future__ import annotations

from painpath.config import Settings
from painpath.kit.limits import InputLimits, LimitExceeded
from painpath.services.errors import ContentTooLarge


def input_limits(settings: Settings) -> InputLimits:
    """What reading one uploaded or imported file may cost (PAINPATH_MAX_* settings)."""
    return InputLimits(
        max_decompressed_bytes=settings.max_decompressed_bytes,
        max_line_bytes=settings.max_line_bytes,
        max_header_lines=settings.max_header_lines,
        max_header_bytes=settings.max_header_bytes,
        max_json_bytes=settings.max_json_bytes,
        max_zip_members=settings.max_zip_members,
        max_attachment_bytes=settings.max_attachment_bytes,
    )


def too_large(
    error: LimitExceeded, path: str, filename: str, field: str = "file"
) -> ContentTooLarge:
    """413 naming the limit and its setting; the file is named as the client knows it."""
    where = error.where.replace(path, filename)
    return ContentTooLarge(
        f"{where}: {error.detail} (limit {error.setting}={error.value})", field=field
    )
