"""Regenerate the tables of docs/care.md from the care knowledge (labs, problems, scores, rule
codes, conditions x families, therapies, conflicts, verify items).

    .venv/bin/python scripts/care_docs.py          # rewrite docs/care.md in place
    .venv/bin/python scripts/care_docs.py --check  # exit 1 if docs/care.md is out of date

Each table sits between `<!-- care:NAME -->` and `<!-- /care:NAME -->` markers.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

from painpath.care import knowledge
from painpath.care.knowledge import FAMILIES
from painpath.care.options import _ranked

#: neither for nor against: research only, or authorized by a regulator without a grade
UNGRADED = frozenset({"research_only", "authorized_not_graded"})
DOC = Path(__file__).resolve().parents[1] / "docs" / "care.md"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def labs() -> str:
    rows = []
    for lab in knowledge().labs.values():
        if lab.qualitative:
            span = "positive / negative / indeterminate"
        else:
            span = f"{lab.minimum:g}–{lab.maximum:g}"
        rows.append(
            [", ".join(lab.names), f"`{lab.id}`", lab.unit or "", span, ", ".join(lab.loinc) or "–"]
        )
    header = ["name in a request", "id", "unit", "plausible range", "LOINC (stored record)"]
    return _table(header, rows)


def problems() -> str:
    rows = [
        [f"`{p.id}`", p.name, ", ".join(p.icd10cm) or "–", ", ".join(p.snomed) or "–"]
        for p in knowledge().problems.values()
    ]
    return _table(["id", "meaning", "ICD-10-CM (category covers its codes)", "SNOMED CT"], rows)


def scores() -> str:
    rows = [
        [f"`{s.id}`", s.name, f"{s.minimum:g}–{s.maximum:g}", s.instrument or "–"]
        for s in knowledge().scores.values()
    ]
    return _table(["id", "meaning", "range", "from the stored instrument"], rows)


def rules() -> str:
    rows = [
        [f"`{r.id}`", r.effect, r.severity, r.source + (" (verify)" if r.verify else "")]
        for r in knowledge().rules.values()
    ]
    return _table(["code", "effect", "severity", "source"], rows)


def families() -> str:
    k = knowledge()
    rows = []
    for c in sorted(k.conditions.values(), key=lambda c: c.id):
        cells = []
        for family in FAMILIES:
            entries = [e for e in c.recommendations if k.therapies[e.therapy].family == family]
            if not entries:
                cells.append("–")
                continue
            places = ",".join(sorted({e.guideline.jurisdiction for e in entries}))
            against = sum(1 for e in entries if e.against)
            limited = sum(1 for e in entries if e.strength in UNGRADED)
            graded_for = len(entries) - against - limited
            middle = f"/{limited}~" if limited else ""
            cells.append(f"{graded_for}+{middle}/{against}− ({places})")
        codes = [", ".join(c.icd10cm), ", ".join(c.snomed)]
        rows.append([f"{c.name} (`{c.id}`)", *codes, *cells])
    return _table(["Condition (id)", "ICD-10-CM", "SNOMED CT", *FAMILIES], rows)


def reproductive() -> str:
    k = knowledge()
    rows = [
        [
            f"`{state.state}`",
            "condition",
            ", ".join(state.icd10cm) + " (ICD-10-CM); " + ", ".join(state.snomed) + " (SNOMED CT)",
            state.source,
        ]
        for state in k.reproductive_codes.values()
    ]
    for rule in k.status_observations.values():

        def shown(values: frozenset[str]) -> str:
            return ", ".join(sorted(v.upper() if v.startswith("la") else v for v in values))

        answers = f"yes: {shown(rule.yes)}; no: {shown(rule.no)}"
        rows.append(
            [
                f"`{rule.state}`",
                f"latest LOINC {', '.join(rule.loinc)} within {rule.lookback_weeks} weeks",
                answers,
                rule.source,
            ]
        )
    return _table(["sets", "from", "codes", "source"], rows)


def therapies() -> str:
    rows = [
        [f"`{t.id}`", t.family, t.name, ", ".join(sorted(t.classes))]
        for t in sorted(knowledge().therapies.values(), key=lambda t: (t.family, t.id))
    ]
    return _table(["id", "family", "name", "class tags"], rows)


def conflicts() -> str:
    rows = [
        [f"`{c}`", f"`guideline_conflict_{tid}`", sides]
        for c in sorted(knowledge().conditions)
        for tid, _, sides in _ranked(c, "US")
        if sides
    ]
    return _table(["condition", "flag code", "sides"], rows)


def verify() -> str:
    k = knowledge()
    rows = [
        ["guidelines.json", f"`{g.id}`", "citation or edition to re-check"]
        for g in k.guidelines.values()
        if g.verify
    ]
    for c in sorted(k.conditions.values(), key=lambda c: c.id):
        if c.verify:
            rows.append([f"conditions/{c.id}.json", "codes", c.note or ""])
        for e in c.recommendations:
            if e.verify:
                where = f"`{e.therapy}` ({e.guideline.id} {e.ref})"
                rows.append([f"conditions/{c.id}.json", where, e.note or ""])
    folder = resources.files("painpath.care").joinpath("knowledge")
    raw = json.loads(folder.joinpath("safety_rules.json").read_text(encoding="utf-8"))
    for rid, rule in raw["rules"].items():
        if rule.get("verify"):
            rows.append(["safety_rules.json", f"`{rid}`", rule.get("note", "")])
    vocabulary = json.loads(folder.joinpath("vocabulary.json").read_text(encoding="utf-8"))
    for section in ("labs", "problems"):
        for iid, item in vocabulary[section].items():
            if item.get("verify"):
                rows.append([f"vocabulary.json {section}", f"`{iid}`", item.get("note", "")])
    count = f"{len(rows)} items are still marked `verify`.\n\n"
    return count + _table(["where", "item", "note"], rows)


SECTIONS = {
    "labs": labs,
    "problems": problems,
    "scores": scores,
    "rules": rules,
    "families": families,
    "reproductive": reproductive,
    "therapies": therapies,
    "conflicts": conflicts,
    "verify": verify,
}


def _replace(pattern: re.Pattern[str], table: str, text: str) -> str:
    return pattern.sub(lambda m: m.group(1) + table + m.group(2), text)


def render(text: str) -> str:
    for name, build in SECTIONS.items():
        pattern = re.compile(rf"(<!-- care:{name} -->\n).*?(\n<!-- /care:{name} -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"docs/care.md has no <!-- care:{name} --> section")
        text = _replace(pattern, build(), text)
    return text


def main() -> int:
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in sys.argv[1:]:
        if wanted != current:
            print("docs/care.md is out of date: run .venv/bin/python scripts/care_docs.py")
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
