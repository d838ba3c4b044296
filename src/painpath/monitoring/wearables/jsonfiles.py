"""JSON files from a plain file, a directory or a zip, with errors naming file and line."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from painpath.kit.limits import DEFAULT_LIMITS, InputLimits, LimitExceeded
from painpath.monitoring.wearables.archive import open_zip, read_member
from painpath.monitoring.wearables.errors import FileProblem, WearableFileError


def members(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> list[str]:
    """Relative names of the files in a directory or zip."""
    if path.is_dir():
        return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    with open_zip(path, limits) as archive:
        return sorted(n for n in archive.namelist() if not n.endswith("/"))


def _decoded(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WearableFileError(where, FileProblem.MALFORMED_JSON, str(error)) from None


@contextmanager
def container(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> Iterator[Callable[[str], str]]:
    """A reader of member texts for a directory or zip, opening a zip once; each member is
    read whole, so it is refused past `max_json_bytes`."""
    if path.is_dir():
        yield lambda member: read_text(path, member, limits)
        return
    with open_zip(path, limits) as archive:

        def read(member: str) -> str:
            where = f"{path}!{member}"
            try:
                return _decoded(read_member(archive, member, where, limits), where)
            except (zipfile.BadZipFile, EOFError) as error:
                raise WearableFileError(where, FileProblem.BAD_ZIP, str(error)) from None

        yield read


def _check_size(target: Path, where: str, limits: InputLimits) -> None:
    most = limits.max_json_bytes
    if target.stat().st_size > most:
        raise LimitExceeded(where, "max_json_bytes", most, f"larger than {most} bytes")


def read_text(path: Path, member: str | None = None, limits: InputLimits = DEFAULT_LIMITS) -> str:
    """Text of a plain file, or of one member of a directory or zip, read whole (so refused
    past `max_json_bytes`)."""
    where = f"{path}!{member}" if member else str(path)
    target = path if member is None else path / member
    if member is None or path.is_dir():
        _check_size(target, where, limits)
        return _decoded(target.read_bytes(), where)
    with container(path, limits) as read:
        return read(member)


def load(text: str, where: str) -> Any:
    """Parsed JSON; WearableFileError with line and column when malformed."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise WearableFileError(
            where, FileProblem.MALFORMED_JSON, error.msg, line=error.lineno, column=error.colno
        ) from None


def documents(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> Iterator[tuple[Any, int]]:
    """One JSON document (its items, if a list), or NDJSON: one document per non-empty line.
    Yields (document, line number where it starts).

    A file up to `max_json_bytes` is read whole; a larger one must be NDJSON, read line by line
    (each line up to `max_line_bytes`), so memory stays bounded whatever the file's size."""
    if path.stat().st_size > limits.max_json_bytes:
        yield from _ndjson_lines(path, limits)
        return
    text = read_text(path, None, limits)
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
                yield _line_document(path, line, number), number
        return
    for item in parsed if isinstance(parsed, list) else [parsed]:
        yield item, 1


def _line_document(path: Path, line: str | bytes, number: int) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise WearableFileError(
            str(path), FileProblem.MALFORMED_JSON, error.msg, line=number, column=error.colno
        ) from None


def _ndjson_lines(path: Path, limits: InputLimits) -> Iterator[tuple[Any, int]]:
    """The documents of a large NDJSON file, one line at a time; a large file that is one JSON
    document (its first line is not a whole document) is refused naming `max_json_bytes`."""
    longest = limits.max_line_bytes
    with path.open("rb") as stream:
        number = 0
        while line := stream.readline(longest + 1):
            number += 1
            if len(line) > longest:
                raise LimitExceeded(
                    f"{path}, line {number}",
                    "max_line_bytes",
                    longest,
                    f"a line is longer than {longest} bytes",
                )
            if not line.strip():
                continue
            try:
                document = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                if number == 1:
                    most = limits.max_json_bytes
                    raise LimitExceeded(
                        str(path),
                        "max_json_bytes",
                        most,
                        f"a JSON document larger than {most} bytes (send larger exports as"
                        " NDJSON, one resource per line)",
                    ) from None
                detail = getattr(error, "msg", str(error))
                raise WearableFileError(
                    str(path), FileProblem.MALFORMED_JSON, detail, line=number
                ) from None
            yield document, number
