"""Small code sets shared by several tables (values follow FHIR R4 where FHIR has one)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class Role(StrEnum):
    patient = "patient"
    clinician = "clinician"
    pharmacist = "pharmacist"
    admin = "admin"


class AdministrativeGender(StrEnum):
    """FHIR R4 administrative-gender."""

    male = "male"
    female = "female"
    other = "other"
    unknown = "unknown"


def str_enum(enum_type: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, stored by value."""
    return Enum(
        enum_type,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(32, *(len(member.value) for member in enum_type)),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
