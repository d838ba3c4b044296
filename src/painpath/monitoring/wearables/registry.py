"""One plugin interface for every wearable format, a registry, and `import_file`.

An importer says whether it recognizes a file from a cheap `Probe` (the first bytes, or the
member names of a zip or directory) and streams normalized samples from it. Built-in
importers register themselves on first use; another package adds one with `register`.
"""

from __future__ import annotations

import importlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from painpath.kit.limits import DEFAULT_LIMITS, InputLimits
from painpath.monitoring.wearables.archive import open_zip
from painpath.monitoring.wearables.errors import FileProblem, ImportReport, WearableFileError
from painpath.monitoring.wearables.model import Sample, sample_problem

#: Bytes of a plain file an importer may look at to recognize it.
HEAD_BYTES = 4096

_BUILTIN_MODULES = ("apple", "fitbit", "omh", "fhir")


@dataclass(frozen=True, slots=True)
class Probe:
    """What detection sees: the path, the first bytes of a plain file, and the member names
    of a zip archive or a directory (relative, with `/`)."""

    path: Path
    head: bytes = b""
    names: tuple[str, ...] = ()

    @property
    def is_container(self) -> bool:
        return bool(self.names)


@dataclass(frozen=True, slots=True)
class ImportSource:
    """One file (or zip, or directory) to read, with the patient's time zone for formats that
    write local times without an offset, and the report the importer fills in."""

    path: Path
    tz: ZoneInfo | None
    report: ImportReport = field(default_factory=ImportReport)
    #: What reading the file may cost; importers stop with LimitExceeded past them.
    limits: InputLimits = DEFAULT_LIMITS


class Importer(ABC):
    """A wearable format: recognize it, then stream its samples."""

    name: ClassVar[str]

    @abstractmethod
    def detect(self, probe: Probe) -> bool:
        """Whether this importer reads the probed file (cheap; never reads the whole file)."""

    @abstractmethod
    def read(self, source: ImportSource) -> Iterator[Sample]:
        """Normalized samples, streamed; raises WearableFileError for an unreadable file."""


_REGISTRY: dict[str, Importer] = {}
_loaded = False


def register(importer: Importer) -> Importer:
    """Add an importer (a later one with the same name replaces the earlier)."""
    _REGISTRY[importer.name] = importer
    return importer


def importers() -> dict[str, Importer]:
    """Every registered importer by name, built-ins first."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(f"painpath.monitoring.wearables.{module}")
    return dict(_REGISTRY)


def probe(path: str | os.PathLike[str], limits: InputLimits = DEFAULT_LIMITS) -> Probe:
    """Look at a file, zip or directory without reading it all."""
    target = Path(path)
    if target.is_dir():
        names = tuple(
            sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
        )
        return Probe(target, names=names)
    if not target.is_file():
        raise WearableFileError(str(target), FileProblem.NOT_FOUND, "no such file or directory")
    with target.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        with open_zip(target, limits) as archive:
            return Probe(target, head=head, names=tuple(archive.namelist()))
    return Probe(target, head=head)


def detect(path: str | os.PathLike[str], limits: InputLimits = DEFAULT_LIMITS) -> Importer:
    """The importer that recognizes the file; WearableFileError when none does."""
    found = probe(path, limits)
    for importer in importers().values():
        if importer.detect(found):
            return importer
    raise WearableFileError(
        str(path),
        FileProblem.UNKNOWN_FORMAT,
        "expected Apple Health export.xml/export.zip, a Google Takeout Fitbit folder or zip, "
        "Open mHealth JSON or a FHIR Observation/Bundle",
    )


def import_file(
    path: str | os.PathLike[str],
    *,
    tz: ZoneInfo | None,
    kind: str | None = None,
    report: ImportReport | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> Iterator[Sample]:
    """Stream the samples of a wearable file, choosing its importer (or `kind`, by name).

    Detection errors are raised here, before the first sample; read errors while iterating.
    `tz` is the patient's time zone, needed by formats that write local times (Fitbit).
    A file that passes one of `limits` raises LimitExceeded, naming it.
    """
    if kind is not None:
        found = importers().get(kind)
        if found is None:
            raise ValueError(f"unknown importer {kind!r}; known: {', '.join(importers())}")
        if not Path(path).exists():
            raise WearableFileError(str(path), FileProblem.NOT_FOUND, "no such file or directory")
        importer = found
    else:
        importer = detect(path, limits)
    filled = report if report is not None else ImportReport()
    filled.importer = importer.name
    return _counted(importer.read(ImportSource(Path(path), tz, filled, limits)), filled)


def _counted(samples: Iterator[Sample], report: ImportReport) -> Iterator[Sample]:
    """The samples, less those no day can hold (skipped and counted, never aggregated)."""
    for sample in samples:
        if (problem := sample_problem(sample)) is not None:
            report.skip(f"{sample.metric.value} with a {problem}")
            continue
        report.samples += 1
        if report.last_end is None or sample.end > report.last_end:
            report.last_end = sample.end
        yield sample
