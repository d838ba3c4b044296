"""Account shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator
from pydantic.json_schema import SkipJsonSchema

from painpath.models.enums import Role
from painpath.schemas.base import InputModel, OutputModel, RowId, ShortText

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9._-]{3,64}$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class LoginRequest(InputModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Password
    # TOTP code or recovery code, for accounts with a second factor (bearer tokens need it here;
    # browser sessions may send it later to POST /api/auth/mfa/verify).
    otp: Annotated[str, StringConstraints(max_length=64)] | None = None


class TokenResponse(OutputModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


SETUP_CODE_INSTEAD = (
    "administrators do not choose passwords: the account is created without one and the "
    "response carries a one-time setup_code for the person to choose their own at "
    "POST /api/auth/password-reset or /reset-password"
)


class UserCreate(InputModel):
    """A new account. It has no password until its person redeems the one-time setup code."""

    username: Username
    display_name: ShortText
    role: Role
    patient_id: RowId | None = None
    npi: Annotated[str, StringConstraints(pattern=r"^\d{10}$")] | None = None
    # Not part of the schema: present only to refuse it by name with a pointer to the code.
    password: SkipJsonSchema[str | None] = Field(default=None, exclude=True)

    @field_validator("password", mode="before")
    @classmethod
    def _refuse_password(cls, value: object) -> None:
        raise ValueError(SETUP_CODE_INSTEAD)


class UserUpdate(InputModel):
    display_name: ShortText | None = None
    is_active: bool | None = None
    role: Role | None = None
    # Refused with a pointer to reset codes: administrators do not set passwords.
    password: Password | None = None


class PasswordChange(InputModel):
    current_password: Password
    new_password: Password


class PasswordReset(InputModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    code: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    new_password: Password


class ResetCodeRead(OutputModel):
    code: str
    expires_at: datetime
    detail: str = "Shown once: hand it to the person out of band; it works once."


class Reauthentication(InputModel):
    password: Password
    otp: Annotated[str, StringConstraints(max_length=64)] | None = None


class UserRead(OutputModel):
    id: int
    username: str
    display_name: str
    role: Role
    patient_id: int | None
    npi: str | None
    is_active: bool
    mfa_enabled: bool = False


class UserCreated(UserRead):
    """The new account and its one-time setup code (shown once, stored hashed)."""

    setup_code: str
    setup_code_expires_at: datetime
    detail: str = (
        "Shown once: hand the setup code to the person out of band; they choose their own "
        "password with it at /reset-password. The account cannot sign in until then."
    )


class SessionInfo(OutputModel):
    user: UserRead
    csrf_token: str
    # "complete", "mfa_required" (send a code to /api/auth/mfa/verify) or "mfa_enrollment_required"
    # (enroll at /api/auth/mfa/enrollment first); until complete, only those routes answer.
    status: str = "complete"


class AuditEventRead(OutputModel):
    id: int
    recorded_at: datetime
    user_id: int | None
    username: str | None
    role: str | None
    patient_id: int | None
    action: str
    resource_type: str
    resource_id: str | None
    outcome: str
    detail: str | None
    http_method: str | None
    path: str | None
