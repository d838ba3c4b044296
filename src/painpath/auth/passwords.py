"""Argon2id password hashing, with transparent re-hashing when parameters change.

Passwords are hashed in Unicode NFKC form, so the same password typed on another keyboard
matches; the policy they must meet is in `painpath.auth.password_policy`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from painpath.auth.password_policy import check_password, normalize

_hasher = PasswordHash((Argon2Hasher(),))

# Stored in place of a hash for an account whose person has not yet chosen a password (an
# administrator created it and handed over a one-time setup code). No password matches it.
NO_PASSWORD_YET = "!no-password-yet"


def has_password(password_hash: str) -> bool:
    """Whether the account has a password of its own (not awaiting its setup code)."""
    return password_hash != NO_PASSWORD_YET


def hash_password(password: str, *, context: Iterable[str] = ()) -> str:
    """Hash a new password once it meets the policy (WeakPasswordError otherwise)."""
    check_password(password, context=context)
    return str(_hasher.hash(normalize(password)))


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Return (valid, new_hash); new_hash is set when the stored hash should be upgraded.

    An account awaiting its setup code matches no password; the dummy hash is still checked
    so the answer takes as long as for any other account.
    """
    if not has_password(password_hash):
        _hasher.verify(normalize(password), dummy_hash())
        return False, None
    valid, updated = _hasher.verify_and_update(normalize(password), password_hash)
    return bool(valid), (str(updated) if updated else None)


@cache
def dummy_hash() -> str:
    """A hash to verify against when the username is unknown, so timing does not reveal it.

    Computed on first use, not at import: `painpath --version` should not pay for Argon2.
    """
    return str(_hasher.hash("painpath-unknown-user-placeholder"))
