"""A message as a client sends it: JSON (text only) or multipart/form-data with one file.

The file part (`attachment`) streams into a private temporary directory, counted against
`max_attachment_bytes` as it arrives and removed when the request ends; the service then checks
its bytes and keeps it (or nothing). Used by the API and by the page forms, which add their
`csrf_token` field.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from python_multipart.multipart import parse_options_header

from painpath.config import Settings
from painpath.services.errors import ContentTooLarge, InvalidInput
from painpath.services.messaging.attachments import ATTACHMENT_FIELD, UploadedFile
from painpath.services.messaging.threads import MAX_BODY, NewMessage
from painpath.web.uploads import UnsupportedMediaType, receive_form

#: Room for the longest message body in UTF-8 (up to 4 bytes a character).
MAX_TEXT_FIELD_BYTES = 4 * MAX_BODY


@dataclass(frozen=True, slots=True)
class MessageForm:
    fields: dict[str, str]
    attachment: UploadedFile | None

    def message(self) -> NewMessage:
        return NewMessage(
            body=self.fields.get("body", ""),
            client_id=self.fields.get("client_id"),
            attachment=self.attachment,
        )


def _media_type(request: Request) -> bytes:
    media_type, _ = parse_options_header(request.headers.get("content-type"))
    return media_type


@asynccontextmanager
async def received_message(
    request: Request,
    settings: Settings,
    *,
    text_fields: frozenset[str],
    json_model: type[BaseModel] | None = None,
) -> AsyncIterator[MessageForm]:
    """The message's fields and its spooled file (if any), until the block ends."""
    if json_model is not None and _media_type(request) == b"application/json":
        try:
            body = json_model.model_validate_json(await request.body())
        except ValidationError as error:
            errors = error.errors(include_url=False, include_context=False)
            raise RequestValidationError(
                [{**entry, "loc": ("body", *entry["loc"])} for entry in errors]
            ) from None
        values = body.model_dump(exclude_none=True)
        yield MessageForm({name: str(value) for name, value in values.items()}, None)
        return
    if _media_type(request) != b"multipart/form-data":
        accepted = "multipart/form-data" + (" or application/json" if json_model else "")
        raise UnsupportedMediaType(f"send the message as {accepted}")
    if settings.upload_dir is not None:
        settings.upload_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="painpath-message-", dir=settings.upload_dir) as where:
        try:
            form = await receive_form(
                request,
                Path(where),
                file_field=ATTACHMENT_FIELD,
                # Some clients send an empty file input as a plain field: allowed when empty.
                text_fields=text_fields | {ATTACHMENT_FIELD},
                max_bytes=settings.max_attachment_bytes,
                max_field_bytes=MAX_TEXT_FIELD_BYTES,
            )
        except ContentTooLarge:
            limit = settings.max_attachment_bytes
            raise ContentTooLarge(
                f"the attached file is larger than {limit} bytes "
                f"(limit PAINPATH_MAX_ATTACHMENT_BYTES={limit})",
                field=ATTACHMENT_FIELD,
            ) from None
        if form.fields.pop(ATTACHMENT_FIELD, ""):
            raise InvalidInput("send the attachment as a file", field=ATTACHMENT_FIELD)
        received = form.file
        attachment = None
        # A browser sends an empty, nameless part when no file was chosen.
        if received is not None and (received.size or received.filename):
            attachment = UploadedFile(
                received.path, received.filename, received.sha256, received.size
            )
        yield MessageForm(form.fields, attachment)
