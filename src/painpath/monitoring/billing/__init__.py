"""RPM/RTM billing, pure: the CY 2026 Medicare remote-monitoring codes as data, a per-period
ledger of days with data and timed minutes, and the billable codes with the evidence for each.

Codes and thresholds: `knowledge/cpt_2026.json` (CMS CY 2026 PFS final rule); see docs/billing.md.
"""

from painpath.monitoring.billing.codes import (
    BillableCode,
    BillingDecision,
    Refusal,
    billable_codes,
    exclusive_conflicts,
    program_rule,
)
from painpath.monitoring.billing.knowledge import (
    BillingKnowledge,
    CodeRule,
    ProgramRule,
    billing_knowledge,
)
from painpath.monitoring.billing.ledger import (
    Modality,
    PeriodLedger,
    Reading,
    TimedMinutes,
    calendar_month,
    device_period,
    device_periods,
    period_ledger,
)

__all__ = [
    "BillableCode",
    "BillingDecision",
    "BillingKnowledge",
    "CodeRule",
    "Modality",
    "PeriodLedger",
    "ProgramRule",
    "Reading",
    "Refusal",
    "TimedMinutes",
    "billable_codes",
    "billing_knowledge",
    "calendar_month",
    "device_period",
    "device_periods",
    "exclusive_conflicts",
    "period_ledger",
    "program_rule",
]
