"""Random secrets handed to people or browsers, and the digests stored in their place.

Session ids carry 256 bits and one-time codes 80 bits (16 base32 characters, shown in groups
of four): far too many to guess online or to brute-force from a leaked digest, so SHA-256 is
enough to store them (passwords, chosen by people, get Argon2id instead).
"""

from __future__ import annotations

import base64
import hashlib
import secrets

CODE_BYTES = 10  # 80 bits → 16 base32 characters


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """A one-time code such as `K7QD-2MXA-P4RT-9ZHE` (base32: no 0/1/8/9 to confuse)."""
    text = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalize_code(typed: str) -> str:
    """As people type it: any case, with or without dashes and spaces."""
    compact = "".join(typed.split()).replace("-", "").upper()[:64]
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))
