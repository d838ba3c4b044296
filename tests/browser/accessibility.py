"""axe-core inside Playwright: inject the vendored engine into a page and keep what it finds.

axe-core is a test-only asset (tests/browser/vendor/, fetched and checked by
scripts/vendor_axe_core.sh); the product never serves it. painpath's Content-Security-Policy
refuses injected scripts, as it should, so only the accessibility tests open their pages in a
browser context made with `bypass_csp=True`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
#: Impacts that fail a page (axe's scale: minor, moderate, serious, critical).
FAILING_IMPACTS = frozenset({"serious", "critical"})
#: Where screenshots and axe reports go when PAINPATH_ARTIFACTS_DIR is not set: the pytest
#: temporary directory of the run (see docs/accessibility.md).
ARTIFACTS_ENV = "PAINPATH_ARTIFACTS_DIR"


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:5]) + (" …" if len(self.targets) > 5 else "")
        return f"{self.impact} {self.rule}: {self.help} [{shown}]"


def run_axe(page: Page) -> list[Violation]:
    """Every axe violation on the page as it stands (all rules axe runs by default)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    raw: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        Violation(
            rule=item["id"],
            impact=item.get("impact") or "minor",
            help=item["help"],
            targets=[" ".join(map(str, node["target"])) for node in item["nodes"]],
        )
        for item in raw
    ]


def failing(violations: list[Violation]) -> list[Violation]:
    return [violation for violation in violations if violation.impact in FAILING_IMPACTS]


def artifacts_dir(default: Path) -> Path:
    """PAINPATH_ARTIFACTS_DIR if set, else `default` (under the pytest temporary directory)."""
    folder = Path(os.environ.get(ARTIFACTS_ENV) or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_report(folder: Path, name: str, url: str, violations: list[Violation]) -> Path:
    path = folder / "axe" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "axe_version": AXE_VERSION,
        "url": url,
        "violations": [violation.__dict__ for violation in violations],
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path
