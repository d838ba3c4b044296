"""Multipart file uploads streamed to disk in chunks, hashed on the way, never held in memory.

Routes read the body themselves (no `File()`/`Form()` parameters), from a dependency declared
after the access check: a caller who may not write to the patient is refused before a byte of
the body is read. The body size middleware caps upload paths at `max_upload_bytes`; the
counter here enforces the same limit on the file itself.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, BinaryIO

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from painpath.config import Settings
from painpath.services.errors import ContentTooLarge, InvalidInput, ServiceError

if TYPE_CHECKING:  # a TypedDict the library defines for type checkers only
    from python_multipart.multipart import MultipartCallbacks

#: Largest plain (non-file) form field, in bytes.
MAX_FIELD_BYTES = 4096


class UnsupportedMediaType(ServiceError):
    status_code = 415
    title = "Unsupported Media Type"


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """An uploaded file, written to `path`."""

    path: Path
    filename: str | None
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class ReceivedForm:
    file: ReceivedFile | None
    fields: dict[str, str]


def client_filename(raw: bytes) -> str | None:
    """The last component of a client's file name, without control characters (max 255)."""
    text = raw.decode("utf-8", errors="replace")
    name = PureWindowsPath(PurePosixPath(text).name).name
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:255] or None


@dataclass
class _FormWriter:
    """python-multipart callbacks: the file part goes to `target`, small fields to memory."""

    target: BinaryIO
    file_field: str
    text_fields: frozenset[str]
    max_bytes: int
    max_field_bytes: int = MAX_FIELD_BYTES
    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    size: int = 0
    file_parts: int = 0
    file_complete: bool = False
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    _header_name: bytes = b""
    _header_value: bytes = b""
    _disposition: bytes = b""
    _name: str = ""
    _is_file: bool = False
    _data: bytearray = field(default_factory=bytearray)

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._begin,
            "on_part_data": self._data_chunk,
            "on_part_end": self._end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_chunk,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        }

    def _begin(self) -> None:
        self._disposition, self._name, self._is_file = b"", "", False
        self._data = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_chunk(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name")
        if name is None:
            raise InvalidInput("a form part has no name")
        self._name = name.decode("utf-8", errors="replace")
        self._is_file = b"filename" in options
        if self._is_file:
            if self._name != self.file_field:
                raise InvalidInput(f"unexpected file field {self._name!r}", field=self._name)
            self.file_parts += 1
            if self.file_parts > 1:
                raise InvalidInput("send one file per upload", field=self.file_field)
            self.filename = client_filename(options[b"filename"])
        elif self._name not in self.text_fields:
            raise InvalidInput(f"unexpected form field {self._name!r}", field=self._name)

    def _data_chunk(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if not self._is_file:
            if len(self._data) + len(chunk) > self.max_field_bytes:
                raise InvalidInput(f"longer than {self.max_field_bytes} bytes", field=self._name)
            self._data += chunk
            return
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ContentTooLarge(f"the file is larger than {self.max_bytes} bytes")
        self.digest.update(chunk)
        self.target.write(chunk)

    def _end(self) -> None:
        if self._is_file:
            self.file_complete = True
            return
        try:
            self.fields[self._name] = self._data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("not valid UTF-8 text", field=self._name) from None


async def receive_form(
    request: Request,
    directory: Path,
    *,
    file_field: str,
    text_fields: frozenset[str],
    max_bytes: int,
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> ReceivedForm:
    """Stream a multipart/form-data body: the one file to `directory`, the fields to memory."""
    media_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType("send the file as multipart/form-data")
    path = directory / "upload"
    with path.open("wb") as target:
        writer = _FormWriter(target, file_field, text_fields, max_bytes, max_field_bytes)
        parser = MultipartParser(boundary, writer.callbacks())
        try:
            async for chunk in request.stream():
                if chunk:
                    # Parsing calls the writer, which writes to disk: off the event loop.
                    await run_in_threadpool(parser.write, chunk)
            parser.finalize()
        except FormParserError:
            raise InvalidInput("the multipart body is malformed") from None
    if writer.file_parts and not writer.file_complete:
        raise InvalidInput("the upload was cut short", field=file_field)
    received = None
    if writer.file_parts:
        received = ReceivedFile(path, writer.filename, writer.digest.hexdigest(), writer.size)
    return ReceivedForm(received, writer.fields)


@asynccontextmanager
async def received_upload(
    request: Request, settings: Settings, *, text_fields: frozenset[str]
) -> AsyncIterator[ReceivedForm]:
    """A multipart body with its file (form field `file`) streamed into a private directory
    under `settings.upload_dir`, which is deleted when the block ends."""
    if settings.upload_dir is not None:
        settings.upload_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="painpath-upload-", dir=settings.upload_dir) as where:
        yield await receive_form(
            request,
            Path(where),
            file_field="file",
            text_fields=text_fields,
            max_bytes=settings.max_upload_bytes,
        )
