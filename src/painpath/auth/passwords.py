"""Argon2id password hashing, with transparent re-hashing when parameters change."""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))

MIN_PASSWORD_LENGTH = 10


class WeakPasswordError(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    return str(_hasher.hash(password))


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Return (valid, new_hash); new_hash is set when the stored hash should be upgraded."""
    valid, updated = _hasher.verify_and_update(password, password_hash)
    return bool(valid), (str(updated) if updated else None)


@cache
def dummy_hash() -> str:
    """A hash to verify against when the username is unknown, so timing does not reveal it.

    Computed on first use, not at import: `painpath --version` should not pay for Argon2.
    """
    return str(_hasher.hash("painpath-unknown-user-placeholder"))
