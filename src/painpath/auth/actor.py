"""The authenticated party behind a request or command."""

from __future__ import annotations

from dataclasses import dataclass

from painpath.auth.permissions import Permission, has_permission
from painpath.models.enums import Role
from painpath.models.user import User


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    username: str
    role: Role
    # For patient accounts: the one patient record they may see.
    patient_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.username, user.role, user.patient_id)

    def can(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)
