"""The shape of `Suggestions.as_json()`, as pydantic models, so the API documents it.

The engine builds plain dictionaries (fast, and the CLI prints them as they are); the web routes
declare these models as their response, which puts the vocabularies (therapy families, lines,
strengths, profiles, severities) into the OpenAPI schema. A test checks that the engine's
output validates against them for every condition.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from painpath.care.inputs import Profile
from painpath.care.knowledge import (
    Jurisdiction,
    Line,
    Severity,
    SourceKind,
    Strength,
    TherapyFamily,
)

_EXACT = ConfigDict(extra="forbid")


class Source(BaseModel):
    model_config = _EXACT

    guideline: str
    name: str
    year: int
    jurisdiction: Jurisdiction
    kind: SourceKind
    recommendation: str
    citation: str


class OtherGuideline(Source):
    strength: Strength
    strength_raw: str


class Reason(BaseModel):
    """Why an option is in or out, or a flag: a stable snake_case code and its source."""

    model_config = _EXACT

    code: str
    severity: Severity
    message: str
    source: str


class ConditionOut(BaseModel):
    model_config = _EXACT

    id: str
    name: str
    icd10cm: list[str]
    snomed: list[str]
    notes: list[str]


class Option(BaseModel):
    model_config = _EXACT

    id: str
    name: str
    family: TherapyFamily
    line: Line
    strength: Strength
    strength_raw: str
    source: Source
    reasons: list[Reason]
    other_guidelines: list[OtherGuideline]
    verify: bool


class Exclusion(BaseModel):
    model_config = _EXACT

    id: str
    name: str
    family: TherapyFamily
    excluded_by: Literal["guideline", "patient"]
    strength: Strength
    strength_raw: str
    source: Source
    reasons: list[Reason]
    other_guidelines: list[OtherGuideline]
    verify: bool


class KnowledgeFile(BaseModel):
    model_config = _EXACT

    version: str
    sha256: str


class KnowledgeOut(BaseModel):
    model_config = _EXACT

    version: str
    files: dict[str, KnowledgeFile]


class SuggestionsOut(BaseModel):
    """Care suggestions for one patient (docs/care.md, "Output")."""

    model_config = _EXACT

    condition: ConditionOut
    profile: Profile
    options: list[Option]
    not_recommended: list[Exclusion]
    flags: list[Reason]
    notes: list[str]
    knowledge: KnowledgeOut


class RecordSuggestionsOut(SuggestionsOut):
    """The same, built from the stored record; `input` is the request document it built."""

    input: dict[str, Any]
