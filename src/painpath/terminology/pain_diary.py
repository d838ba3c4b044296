"""The fixed code lists a pain-diary entry uses: body-map regions and pain-quality descriptors.

Regions are the 19 areas of the ACR 2016 Widespread Pain Index (so a diary's body map can be
read as a WPI count), each drawn on the front or the back view of the body map; descriptors are
the 22 of the SF-MPQ-2. Sources are in the data file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True, slots=True)
class CodeList:
    source: str
    version: str
    retrieved: str
    #: code → display
    codes: dict[str, str]


@cache
def _data() -> dict[str, dict[str, object]]:
    text = files("painpath.terminology").joinpath("data/pain_diary.json").read_text("utf-8")
    data: dict[str, dict[str, object]] = json.loads(text)
    return data


def _code_list(section: str, entries: str) -> CodeList:
    part = _data()[section]
    rows = part[entries]
    assert isinstance(rows, list)
    return CodeList(
        source=str(part["source"]),
        version=str(part["version"]),
        retrieved=str(part["retrieved"]),
        codes={str(row["code"]): str(row["display"]) for row in rows},
    )


@cache
def body_regions() -> CodeList:
    """Body-map regions (ACR 2016 Widespread Pain Index areas)."""
    return _code_list("body_regions", "regions")


@cache
def pain_qualities() -> CodeList:
    """Pain-quality descriptors (SF-MPQ-2)."""
    return _code_list("qualities", "descriptors")


@cache
def body_region_views() -> dict[str, str]:
    """Region code → the body-map view it is drawn on: "front" or "back"."""
    rows = _data()["body_regions"]["regions"]
    assert isinstance(rows, list)
    return {str(row["code"]): str(row["view"]) for row in rows}
