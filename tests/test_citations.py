"""Clinical data and docs cite primary sources, never a document outside the repository.

Issue 8 item 5: the billing knowledge, the PROMIS definitions, alert rules and wearables
comments cited "painpath research digital_health.md §5.2", a file that ships with no release.
Sources are the CMS CY 2026 Physician Fee Schedule final rule, the HealthMeasures scoring
manuals, LOINC, the Apple HealthKit documentation and the papers themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEARCHED = ("src", "docs", "bench", "scripts", "examples", "README.md")
SUFFIXES = {".py", ".json", ".md", ".tsv", ".txt", ".toml", ".sh", ".html"}

#: The notes painpath was designed from (research/*.md beside the repository) and the ways they
#: were cited; the tests that read ../shared/reference skip without it and are not searched.
OUTSIDE_CITATION = re.compile(
    r"digital_health\.md|opioid_cds\.md|treatments\.md|(?<![\w/.])research/\w+\.md"
    r"|painpath research|research (?:section|notes|open question)",
    re.IGNORECASE,
)


def searched_files() -> list[Path]:
    found: list[Path] = []
    for name in SEARCHED:
        root = REPO / name
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        found += [p for p in paths if p.is_file() and p.suffix in SUFFIXES]
    return found


def test_the_search_covers_the_knowledge_files() -> None:
    names = {p.relative_to(REPO).as_posix() for p in searched_files()}
    assert "src/painpath/monitoring/billing/knowledge/cpt_2026.json" in names
    assert "src/painpath/monitoring/instruments/definitions/promis-pi-4a.json" in names


@pytest.mark.parametrize("path", searched_files(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_citation_points_to_a_document_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    hits = [
        f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for m in OUTSIDE_CITATION.finditer(text)
    ]
    assert not hits


def test_billing_knowledge_cites_the_cms_final_rule() -> None:
    import json

    path = REPO / "src/painpath/monitoring/billing/knowledge/cpt_2026.json"
    source = json.loads(path.read_text(encoding="utf-8"))["source"]
    assert "CMS-1832-F" in source
    assert "90 FR 49266" in source
