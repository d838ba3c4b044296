"""Run the care engine on a JSON-like patient, as the CLI and API do."""

from __future__ import annotations

from datetime import date
from typing import Any

from painpath.care import Suggestions, parse_request, suggest

TODAY = date(2026, 12, 7)


def run(profile: str = "US", **patient: Any) -> Suggestions:
    document = {"jurisdiction": profile, **patient}
    return suggest(parse_request(document), today=TODAY)


def option_ids(result: Suggestions) -> set[str]:
    return {o["id"] for o in result.options}


def excluded_ids(result: Suggestions) -> set[str]:
    return {o["id"] for o in result.not_recommended}


def reason_codes(entry: dict[str, Any] | None) -> set[str]:
    assert entry is not None
    return {r["code"] for r in entry["reasons"]}
