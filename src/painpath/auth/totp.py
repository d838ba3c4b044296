"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) via pyotp.

A code is accepted for the current step and one step either side (clock drift, RFC 6238 §5.2),
and only for a step later than the last one accepted, so an overheard code cannot be replayed.
"""

from __future__ import annotations

import time

import pyotp

ISSUER = "painpath"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 §4 recommends


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI authenticator apps read (as a QR code, or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def accepted_step(
    secret: str, code: str, *, last_step: int | None, now: float | None = None
) -> int | None:
    """The time step `code` belongs to when it is valid and newer than `last_step`, else None."""
    digits = "".join(code.split())
    if len(digits) != DIGITS or not digits.isdigit():
        return None
    moment = time.time() if now is None else now
    current = int(moment // STEP_SECONDS)
    totp = pyotp.TOTP(secret)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if totp.verify(digits, for_time=step * STEP_SECONDS):
            return step
    return None


def code_at(secret: str, moment: float) -> str:
    """The code an authenticator shows at `moment` (tests and the demo use it)."""
    return pyotp.TOTP(secret).at(moment)
