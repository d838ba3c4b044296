"""Why a wearable file cannot be read, and what an import skipped.

A file that cannot be read at all raises `WearableFileError` naming the file, the place (line
and column for XML and JSON, the member for zips) and the problem. Records that are readable
but not usable (unknown types, unsupported codes, summary statistics) are skipped and counted
in an `ImportReport`: an import never crashes on one odd record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class FileProblem(StrEnum):
    NOT_FOUND = "file not found"
    UNKNOWN_FORMAT = "not a wearable export painpath can read"
    UNSAFE_XML = "unsafe XML refused (entity declarations or external references)"
    MALFORMED_XML = "malformed or truncated XML"
    MALFORMED_JSON = "malformed JSON"
    BAD_ZIP = "corrupt zip archive"
    BAD_VALUE = "invalid value"
    INVALID_DATA_POINT = "invalid Open mHealth data point"
    NEEDS_TIME_ZONE = "local times without an offset need the patient's time zone"


class WearableFileError(ValueError):
    """A wearable file that cannot be read; names the file, the place and the problem."""

    def __init__(
        self,
        path: str,
        problem: FileProblem,
        detail: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = path
        self.problem = problem
        self.detail = detail
        self.line = line
        self.column = column
        where = path
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {problem.value}: {detail}")


@dataclass
class ImportReport:
    """What one import read, produced and skipped (filled in while the samples stream)."""

    importer: str = ""
    records: int = 0
    samples: int = 0
    #: Records skipped, by a short reason ("unknown type HKQuantityTypeIdentifierBodyMass").
    skipped: Counter[str] = field(default_factory=Counter)
    #: When the export was made (Apple's ExportDate), if the file says.
    exported_at: datetime | None = None
    #: End of the latest sample produced.
    last_end: datetime | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())
