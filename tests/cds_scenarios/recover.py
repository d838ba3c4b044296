"""Test-only: read the opioid-cds-r4 CDS Hooks request files, most of which are malformed JSON.

Follows ../shared/reference/opioid/SCENARIOS.md: decode the first object, glue back the
fragments that follow a comma (pattern B), accept a single stray closing brace (pattern A),
then move every top-level `item<digits>` into `prefetch`; wrap a bare draft order in a Bundle
and strip the type prefix from `patientId` / `userId`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_ITEM = re.compile(r"item\d+")


class Unrecoverable(ValueError):
    """The text does not follow any of the known malformation patterns."""


def recover_text(text: str) -> dict[str, Any]:
    """The CDS Hooks request in `text`, repaired as SCENARIOS.md describes."""
    decoder = json.JSONDecoder()
    obj, end = decoder.raw_decode(text.lstrip())
    rest = text.lstrip()[end:].strip()
    if not isinstance(obj, dict):
        raise Unrecoverable("the first JSON value is not an object")
    while rest.startswith(","):
        fragment_text = "{" + rest[1:]
        fragment, used = decoder.raw_decode(fragment_text)
        for key, value in fragment.items():
            if key in obj:
                raise Unrecoverable(f"fragment key {key!r} collides")
            obj[key] = value
        rest = fragment_text[used:].strip()
    if rest not in ("", "}"):
        raise Unrecoverable(f"unexpected trailing text {rest[:40]!r}")
    prefetch = obj.get("prefetch")
    prefetch = dict(prefetch) if isinstance(prefetch, dict) else {}
    for key in [k for k in obj if _ITEM.fullmatch(k)]:
        if key in prefetch:
            raise Unrecoverable(f"prefetch key {key!r} collides")
        prefetch[key] = obj.pop(key)
    obj["prefetch"] = prefetch
    context = obj.get("context")
    if isinstance(context, dict):
        drafts = context.get("draftOrders")
        if isinstance(drafts, dict) and drafts.get("resourceType") != "Bundle":
            context["draftOrders"] = {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": drafts}],
            }
        for key in ("patientId", "userId"):
            if isinstance(context.get(key), str):
                context[key] = context[key].rsplit("/", 1)[-1]
    return obj


def recover(path: Path) -> dict[str, Any]:
    """`recover_text` of a file."""
    return recover_text(path.read_text(encoding="utf-8"))


def resource_type_count(value: Any) -> int:
    """How many `resourceType` members a decoded value holds (to check nothing was lost)."""
    if isinstance(value, dict):
        return ("resourceType" in value) + sum(resource_type_count(v) for v in value.values())
    if isinstance(value, list):
        return sum(resource_type_count(v) for v in value)
    return 0
