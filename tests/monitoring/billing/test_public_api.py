"""The billing engine's public API is explicit and pinned here."""

from __future__ import annotations

import painpath.monitoring.billing

PUBLIC = {
    "BillableCode", "BillingDecision", "BillingKnowledge", "CodeRule", "Modality", "PeriodLedger",
    "ProgramRule", "Reading", "Refusal", "TimedMinutes", "billable_codes", "billing_knowledge",
    "calendar_month", "device_period", "device_periods", "exclusive_conflicts", "period_ledger",
    "program_rule",
}  # fmt: skip


def test_the_public_api_is_pinned() -> None:
    assert set(painpath.monitoring.billing.__all__) == PUBLIC
    assert all(hasattr(painpath.monitoring.billing, name) for name in PUBLIC)
