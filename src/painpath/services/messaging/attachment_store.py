"""Message attachments on disk, named by their SHA-256: `<root>/<2 hex>/<64 hex>`.

The database row keeps the hash; the file holds the bytes. The same file sent twice is stored
once. A file is written to a temporary name in its final directory, flushed to disk and then
renamed into place, so a reader never sees half a file and a crash leaves at most a stray
temporary file, never a wrong one.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from painpath.config import Settings
from painpath.services.errors import NotFound

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class AttachmentStore:
    """The attachment directory (by default `PAINPATH_DATA_DIR/attachments`)."""

    root: Path

    def path_for(self, sha256: str) -> Path:
        """Where the file with this hash lives; a stored value that is not a SHA-256 in hex
        (say, a tampered row holding `../`) never becomes a path."""
        if not _SHA256_HEX.fullmatch(sha256):
            raise NotFound("the attachment's stored name is not valid")
        return self.root / sha256[:2] / sha256

    def put(self, source: Path, sha256: str) -> bool:
        """Store the file at `source` (whose hash the caller computed) under its hash;
        False when the store holds it already."""
        target = self.path_for(sha256)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as sink, source.open("rb") as origin:
                shutil.copyfileobj(origin, sink, _COPY_CHUNK)
                sink.flush()
                os.fsync(sink.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return True

    def remove(self, sha256: str) -> None:
        """Forget a file this request stored, when the message it belonged to was not saved."""
        self.path_for(sha256).unlink(missing_ok=True)

    def open_path(self, sha256: str) -> Path:
        """The stored file, which must exist."""
        path = self.path_for(sha256)
        if not path.is_file():
            raise NotFound("the attachment's file is missing from the store")
        return path


def attachment_store(settings: Settings) -> AttachmentStore:
    """The store under the configured data directory."""
    return AttachmentStore(settings.data_dir / "attachments")
