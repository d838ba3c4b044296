"""The plain-text form of a suggestions document (`painpath care suggest --format text`)."""

from __future__ import annotations

from typing import Any


def render_text(document: dict[str, Any]) -> str:
    """Options by line, exclusions and flags, each with its reasons, from `as_json()`."""
    condition = document["condition"]
    lines = [f"{condition['name']} ({condition['id']}), {document['profile']} profile", ""]
    lines.append("Options:")
    for option in document["options"]:
        source = option["source"]
        lines.append(
            f"  [{option['line']}] {option['name']} ({option['id']}, {option['family']}):"
            f" {option['strength']} - {source['name']} {source['year']}, {source['recommendation']}"
        )
        lines += [f"      - {r['message']}" for r in option["reasons"][1:]]
    lines += ["", "Not recommended:"]
    for item in document["not_recommended"]:
        lines.append(f"  {item['name']} ({item['id']}):")
        lines += [f"      - {r['message']}" for r in item["reasons"]]
    lines += ["", "Flags:"]
    lines += [f"  {f['severity']}: {f['code']} - {f['message']}" for f in document["flags"]]
    for note in document["notes"]:
        lines.append(f"Note: {note}")
    knowledge = document["knowledge"]
    lines += ["", f"Care knowledge {knowledge['version']}"]
    return "\n".join(lines) + "\n"
