"""The key that signs session cookies: the configured one, else one generated once and kept.

A published key would let anyone forge a cookie, so there is no built-in default: without
PAINPATH_SECRET_KEY the first start writes 48 random bytes (URL-safe text) to
`<data_dir>/secret_key` with mode 0600 and every later start (and every worker) reads it back.
The test environment uses a fresh in-memory key per app instead of touching the data directory.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from painpath.config import (
    MIN_SECRET_KEY_LENGTH,
    Environment,
    InsecureConfigurationError,
    Settings,
)

logger = logging.getLogger("painpath.web")

KEY_FILE_NAME = "secret_key"


def session_signing_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.environment is Environment.test:
        return secrets.token_urlsafe(48)
    return stored_key(settings.data_dir / KEY_FILE_NAME)


def stored_key(path: Path) -> str:
    """The key kept in `path`, created (atomically, 0600) when the file does not exist yet."""
    if not path.exists():
        _create(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InsecureConfigurationError(
            f"{path} holds the session signing key but other users may read it; "
            f"run: chmod 600 {path}"
        )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise InsecureConfigurationError(
            f"{path} holds a session signing key shorter than {MIN_SECRET_KEY_LENGTH} characters; "
            "delete it to have a new one generated (every session then ends)"
        )
    logger.warning(
        "PAINPATH_SECRET_KEY is not set: session cookies are signed with the generated key in %s "
        "(keep it private; servers sharing sessions must share it)",
        path,
    )
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails if another process created it first: theirs wins
            logger.warning("generated a session signing key in %s", path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
