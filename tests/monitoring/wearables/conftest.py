"""Shared paths and helpers for the wearable tests (synthetic data only)."""

from __future__ import annotations

from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference" / "digital"
APPLE_SAMPLE = REFERENCE / "apple-health-sample" / "export6s3sample.xml"
OMH = REFERENCE / "openmhealth-schemas"


def need(path: Path) -> Path:
    """Skip the test, with the reason, when the shared reference data is not present."""
    if not path.exists():
        pytest.skip(f"reference data not found: {path} (../shared is absent in this checkout)")
    return path
