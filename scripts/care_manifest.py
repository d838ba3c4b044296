"""Rewrite src/painpath/care/knowledge/manifest.json and request.schema.json (run after
editing any care knowledge file: .venv/bin/python scripts/care_manifest.py)."""

import hashlib
import json
import pathlib

root = pathlib.Path(__file__).resolve().parents[1] / "src/painpath/care/knowledge"
names = [
    "guidelines.json",
    "therapies.json",
    "safety_rules.json",
    "vocabulary.json",
    *sorted(f"conditions/{p.name}" for p in (root / "conditions").glob("*.json")),
]
files = {}
for n in names:
    data = json.loads((root / n).read_text())
    files[n] = {
        "what": data.get("what") or data.get("name"),
        "sha256": hashlib.sha256((root / n).read_bytes()).hexdigest(),
    }
    if "version" in data:
        files[n]["version"] = data["version"]
m = {
    "knowledge_version": "2026.12.07",
    "summary": (
        "Care knowledge: conditions with graded options from named guidelines (US, UK,"
        " international), therapy catalogue, personalization rules with sources, request"
        " vocabulary"
    ),
    "files": files,
}
(root / "manifest.json").write_text(json.dumps(m, indent=1) + "\n")

# The request's JSON Schema, generated from the pydantic model (run with the project's venv).
from painpath.care.inputs import CareRequest  # noqa: E402

schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://painpath.example/schemas/care-request.schema.json",
    **CareRequest.model_json_schema(),
}
(root.parent / "request.schema.json").write_text(
    json.dumps(schema, indent=1, sort_keys=True) + "\n"
)
