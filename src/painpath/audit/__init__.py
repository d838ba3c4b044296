"""The audit trail: each read or write of patient data, and each denial, is an AuditEvent."""

from painpath.audit.chaining import AuditChainUnavailable
from painpath.audit.context import RequestContext, request_context
from painpath.audit.trail import (
    AuditDraft,
    after_commit,
    note_actor,
    persist_after_failure,
    record,
    record_refusal,
    write_pending,
)

__all__ = [
    "AuditChainUnavailable",
    "AuditDraft",
    "RequestContext",
    "after_commit",
    "note_actor",
    "persist_after_failure",
    "record",
    "record_refusal",
    "request_context",
    "write_pending",
]
