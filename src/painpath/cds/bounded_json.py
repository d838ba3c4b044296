"""Read a JSON response from another server without trusting its size."""

from __future__ import annotations

import json
from typing import Any

import httpx


def read_bounded_json(response: httpx.Response, limit: int) -> Any:
    """The JSON body of a streamed response; ValueError when it exceeds `limit` bytes or is
    not JSON."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ValueError(f"the response is larger than {limit} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except RecursionError as error:  # "[[[[…": nesting deeper than the decoder follows
        raise ValueError("the response nests too deeply") from error
