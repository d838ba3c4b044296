"""JSON files from a plain file, a directory or a zip, with errors naming file and line."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from painpath.monitoring.wearables.errors import FileProblem, WearableFileError


def members(path: Path) -> list[str]:
    """Relative names of the files in a directory or zip."""
    if path.is_dir():
        return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    try:
        with zipfile.ZipFile(path) as archive:
            return sorted(n for n in archive.namelist() if not n.endswith("/"))
    except zipfile.BadZipFile as error:
        raise WearableFileError(str(path), FileProblem.BAD_ZIP, str(error)) from None


@contextmanager
def container(path: Path) -> Iterator[Callable[[str], str]]:
    """A reader of member texts for a directory or zip, opening a zip once."""
    if path.is_dir():
        yield lambda member: read_text(path, member)
        return
    try:
        with zipfile.ZipFile(path) as archive:

            def read(member: str) -> str:
                try:
                    return archive.read(member).decode("utf-8-sig")
                except UnicodeDecodeError as error:
                    raise WearableFileError(
                        f"{path}!{member}", FileProblem.MALFORMED_JSON, str(error)
                    ) from None

            yield read
    except (zipfile.BadZipFile, EOFError) as error:
        raise WearableFileError(str(path), FileProblem.BAD_ZIP, str(error)) from None


def read_text(path: Path, member: str | None = None) -> str:
    """Text of a plain file, or of one member of a directory or zip."""
    where = f"{path}!{member}" if member else str(path)
    try:
        if member is None:
            return path.read_text(encoding="utf-8-sig")
        if path.is_dir():
            return (path / member).read_text(encoding="utf-8-sig")
        with zipfile.ZipFile(path) as archive:
            return archive.read(member).decode("utf-8-sig")
    except (zipfile.BadZipFile, EOFError) as error:
        raise WearableFileError(where, FileProblem.BAD_ZIP, str(error)) from None
    except UnicodeDecodeError as error:
        raise WearableFileError(where, FileProblem.MALFORMED_JSON, str(error)) from None


def load(text: str, where: str) -> Any:
    """Parsed JSON; WearableFileError with line and column when malformed."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise WearableFileError(
            where, FileProblem.MALFORMED_JSON, error.msg, line=error.lineno, column=error.colno
        ) from None


def documents(path: Path, text: str) -> Iterator[tuple[Any, int]]:
    """One JSON document (its items, if a list), or NDJSON: one document per non-empty line.
    Yields (document, line number where it starts)."""
    stripped = text.lstrip()
    if stripped.startswith("[") or "\n" not in stripped.strip():
        parsed = load(text, str(path))
        for item in parsed if isinstance(parsed, list) else [parsed]:
            yield item, 1
        return
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    yield json.loads(line), number
                except json.JSONDecodeError as error:
                    raise WearableFileError(
                        str(path),
                        FileProblem.MALFORMED_JSON,
                        error.msg,
                        line=number,
                        column=error.colno,
                    ) from None
        return
    for item in parsed if isinstance(parsed, list) else [parsed]:
        yield item, 1
