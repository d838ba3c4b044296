"""A job's work folder: the shard manifest, atomic shard outputs and completed markers.

OUT/.work/manifest.json names the job (its inputs' sizes and modification times, its options,
the painpath version) and its shards. A shard writes its files under temporary names, renames
them into place, and only then writes its marker `done/<shard>.json` (itself written to a
temporary name and renamed), so a marker means the shard's outputs are complete. A crashed or
killed job run again with the same inputs and options skips every shard that has a marker; a
different job refuses to reuse the folder unless asked to restart.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.ipc

from painpath import __version__

MANIFEST = "manifest.json"


class WorkdirError(ValueError):
    """The output folder holds another job's work (or cannot be used)."""


def _atomic_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, value: Any) -> None:
    _atomic_bytes(path, (json.dumps(value, indent=1, sort_keys=True, default=str) + "\n").encode())


@contextmanager
def _renamed_into_place(path: Path) -> Iterator[str]:
    """A temporary name next to `path` to write to; renamed to `path` when the block ends
    without an error, removed otherwise (a reader never sees a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_parquet(path: Path, frame: pl.DataFrame, *, intermediate: bool = False) -> None:
    """Write a frame to `path` atomically (temporary name in the same folder, then rename).

    `intermediate`: a file of the work folder that only the job itself reads back once
    (buckets, shard results): fast LZ4 and no statistics instead of the outputs' zstd."""
    with _renamed_into_place(path) as temporary:
        if intermediate:
            frame.write_parquet(temporary, compression="lz4", statistics=False)
        else:
            frame.write_parquet(temporary, compression="zstd", statistics=True)


def write_arrow(path: Path, table: pa.Table) -> None:
    """Write an Arrow table atomically as one uncompressed Arrow IPC record batch: a work file
    that readers memory-map and slice (no decoding, only the rows they take are read)."""
    with (
        _renamed_into_place(path) as temporary,
        pa.OSFile(temporary, "wb") as sink,
        pa.ipc.new_file(sink, table.schema) as writer,
    ):
        writer.write_table(table, max_chunksize=max(1, table.num_rows))


def read_arrow(path: Path) -> pa.Table:
    """A file of `write_arrow`, memory-mapped (its columns are views of the file's pages)."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def sink_parquet(path: Path, frame: pl.LazyFrame) -> None:
    """Stream a lazy frame to `path` atomically (temporary name in the same folder, renamed)."""
    with _renamed_into_place(path) as temporary:
        frame.sink_parquet(temporary, compression="zstd", statistics=True)


def fingerprint(inputs: Sequence[Path], options: dict[str, Any]) -> dict[str, Any]:
    """What makes two runs the same job: inputs (size, mtime), options and versions."""
    files = []
    for path in inputs:
        stat = path.stat()
        files.append([str(path.resolve()), stat.st_size, stat.st_mtime_ns])
    return {
        "inputs": files,
        "options": options,
        "painpath": __version__,
        "polars": pl.__version__,
    }


class Workdir:
    """OUT/.work of one job."""

    def __init__(self, output: Path):
        self.root = output / ".work"

    def open(self, job: dict[str, Any], *, restart: bool) -> bool:
        """Start or resume `job`; True when resuming. Raises WorkdirError for another job."""
        manifest = self.root / MANIFEST
        if manifest.exists():
            try:
                found = json.loads(manifest.read_text())
            except (OSError, ValueError):
                found = None
            same = found is not None and found.get("job") == json.loads(
                json.dumps(job, default=str)
            )
            if same and not restart:
                return True
            if not restart:
                raise WorkdirError(
                    f"{self.root} holds the work of a different job (other inputs or options); "
                    "run with --restart to discard it"
                )
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        write_json(manifest, {"job": job})
        return False

    def record_shards(self, shards: Sequence[str]) -> None:
        manifest = self.root / MANIFEST
        body = json.loads(manifest.read_text())
        body["shards"] = list(shards)
        write_json(manifest, body)

    def marker(self, shard: str) -> Path:
        return self.root / "done" / f"{shard}.json"

    def done(self, shard: str) -> dict[str, Any] | None:
        path = self.marker(shard)
        if not path.exists():
            return None
        value: dict[str, Any] = json.loads(path.read_text())
        return value

    def worker_peaks(self) -> dict[str, int]:
        """Peak resident memory (MiB) per process that ran a shard, from the markers."""
        peaks: dict[str, int] = {}
        folder = self.root / "done"
        for marker in sorted(folder.glob("*.json")) if folder.exists() else []:
            found = json.loads(marker.read_text())
            if "pid" in found:
                key = str(found["pid"])
                peaks[key] = max(peaks.get(key, 0), int(found.get("peak_rss_mib", 0)))
        return peaks

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
