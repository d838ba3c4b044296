"""Second-factor (TOTP) shapes."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from painpath.schemas.base import InputModel, OutputModel


class MfaCode(InputModel):
    # Six digits from the authenticator app, or a recovery code (four groups of four characters).
    otp: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class MfaStatus(OutputModel):
    enabled: bool
    required: bool
    recovery_codes_left: int
    session_complete: bool


class MfaEnrollment(OutputModel):
    secret: str
    otpauth_uri: str


class RecoveryCodes(OutputModel):
    recovery_codes: list[str]
    detail: str = "Shown once: store them offline. Each works once, in place of a TOTP code."
