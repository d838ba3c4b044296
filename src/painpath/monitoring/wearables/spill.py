"""An append-only column of floats that moves to a temporary file once it grows large.

The daily rules need every source's samples before any can be counted, so aggregation keeps
them; spilling keeps its memory flat however long the export is.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Iterator
from typing import IO

#: Floats held in memory before a spill (1.5 MiB).
BUFFER = 3 * 65536


class Spill:
    """Floats appended in groups, read back in order as arrays of at most BUFFER floats."""

    def __init__(self) -> None:
        self._buffer: array[float] = array("d")
        self._file: IO[bytes] | None = None
        self._spilled = 0

    def extend(self, values: tuple[float, ...]) -> None:
        self._buffer.extend(values)
        if len(self._buffer) >= BUFFER:
            if self._file is None:
                # Lives as long as the column; closed by close().
                self._file = tempfile.TemporaryFile(prefix="painpath-wearables-")  # noqa: SIM115
            self._buffer.tofile(self._file)
            self._spilled += len(self._buffer)
            self._buffer = array("d")

    def __len__(self) -> int:
        return self._spilled + len(self._buffer)

    def chunks(self) -> Iterator[array[float]]:
        if self._file is not None:
            self._file.seek(0)
            left = self._spilled
            while left:
                chunk: array[float] = array("d")
                chunk.fromfile(self._file, min(BUFFER, left))
                left -= len(chunk)
                yield chunk
        if self._buffer:
            yield self._buffer

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
