"""The audit trail: each read or write of patient data, and each denial, is an AuditEvent."""

from painpath.audit.context import RequestContext, request_context
from painpath.audit.trail import (
    AuditDraft,
    clear_pending,
    persist_after_failure,
    record,
    write_pending,
)

__all__ = [
    "AuditDraft",
    "RequestContext",
    "clear_pending",
    "persist_after_failure",
    "record",
    "request_context",
    "write_pending",
]
