"""Rewrite src/painpath/care/knowledge/manifest.json from the files beside it."""

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
