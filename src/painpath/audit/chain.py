"""The hash chain over the audit trail: each event stores its own hash and its predecessor's.

An event's hash covers every stored field (its id included) and the previous event's hash, so
changing, deleting, inserting or reordering a row breaks the link at that row. The format is
versioned by `CHAIN_FORMAT`; the same function hashes new rows, the migration's backfill and
`painpath audit verify`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

CHAIN_FORMAT = "painpath.audit-chain/1"
#: The `previous_hash` of the first event.
GENESIS_HASH = "0" * 64

#: The stored fields an event's hash covers, in this order.
CHAINED_FIELDS = (
    "id",
    "recorded_at",
    "user_id",
    "username",
    "role",
    "patient_id",
    "action",
    "resource_type",
    "resource_id",
    "outcome",
    "detail",
    "http_method",
    "path",
    "client_address",
    "request_id",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite hands back naive values; every stored instant is UTC.
        instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def event_hash(previous_hash: str, fields: Mapping[str, Any] | RowMapping) -> str:
    """SHA-256 over the format, the previous hash and the event's fields as canonical JSON."""
    values = [_canonical(fields[name]) for name in CHAINED_FIELDS]
    content = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256()
    digest.update(f"{CHAIN_FORMAT}\n{previous_hash}\n".encode())
    digest.update(content.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
