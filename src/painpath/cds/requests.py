"""What CDS clients send: hook calls and feedback. Tolerant of fields painpath does not read."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_TOLERANT = ConfigDict(extra="allow", populate_by_name=True)

#: A FHIR R4 `id` (https://hl7.org/fhir/R4/datatypes.html#id): it goes into FHIR URLs, so
#: nothing else (no `/`, `?`, `%` or `..` path tricks) is accepted.
FHIR_ID_PATTERN = r"^[A-Za-z0-9\-\.]{1,64}$"


class FhirAuthorization(BaseModel):
    model_config = _TOLERANT

    access_token: str
    token_type: str = "Bearer"
    expires_in: int | None = None
    scope: str | None = None
    subject: str | None = None


class HookContext(BaseModel):
    model_config = _TOLERANT

    user_id: str | None = Field(default=None, alias="userId")
    patient_id: str = Field(alias="patientId", pattern=FHIR_ID_PATTERN)
    encounter_id: str | None = Field(default=None, alias="encounterId")
    selections: list[str] = Field(default_factory=list)
    draft_orders: dict[str, Any] | None = Field(default=None, alias="draftOrders")


class HookRequest(BaseModel):
    model_config = _TOLERANT

    hook: str
    hook_instance: str = Field(alias="hookInstance")
    fhir_server: str | None = Field(default=None, alias="fhirServer")
    fhir_authorization: FhirAuthorization | None = Field(default=None, alias="fhirAuthorization")
    context: HookContext
    prefetch: dict[str, Any] | None = None

    def draft_order_resources(self) -> list[dict[str, Any]]:
        """The draft orders' resources; for order-select only the selected ones, if named."""
        bundle = self.context.draft_orders or {}
        resources = [
            entry["resource"]
            for entry in bundle.get("entry") or []
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
        ]
        selected = set(self.context.selections)
        if self.hook == "order-select" and selected:
            chosen = [r for r in resources if f"{r.get('resourceType')}/{r.get('id')}" in selected]
            return chosen or resources
        return resources


class Coding(BaseModel):
    model_config = _TOLERANT

    system: str | None = None
    code: str | None = None
    display: str | None = None


class OverrideReason(BaseModel):
    model_config = _TOLERANT

    reason: Coding | None = None
    user_comment: str | None = Field(default=None, alias="userComment", max_length=1000)


class AcceptedSuggestion(BaseModel):
    model_config = _TOLERANT

    id: str


class FeedbackItem(BaseModel):
    model_config = _TOLERANT

    card: str = Field(max_length=36)
    outcome: Literal["accepted", "overridden"]
    accepted_suggestions: list[AcceptedSuggestion] = Field(
        default_factory=list, alias="acceptedSuggestions"
    )
    override_reason: OverrideReason | None = Field(default=None, alias="overrideReason")
    outcome_timestamp: datetime = Field(alias="outcomeTimestamp")


class FeedbackRequest(BaseModel):
    model_config = _TOLERANT

    feedback: list[FeedbackItem] = Field(max_length=100)
