"""Validated questionnaires, pure: definitions as versioned data files, exact scoring, bands,
flags and FHIR R4 export.

Each instrument is one file in `definitions/` with its source, licence, LOINC codes (verified or
marked unverified), items (painpath's own short topic text, never licensed wording), answer range,
scoring rule, bands, subscales, flags and missing-data rule. `score()` refuses what the
instrument's manual does not allow, naming the item. The public API is `__all__`, pinned by a test.
"""

from painpath.monitoring.instruments.answers import Answers
from painpath.monitoring.instruments.catalog import catalog, definition
from painpath.monitoring.instruments.fhir import (
    to_fhir_observation,
    to_fhir_questionnaire,
    to_fhir_questionnaire_response,
)
from painpath.monitoring.instruments.model import (
    Definition,
    Flag,
    InstrumentError,
    Item,
    ScoreResult,
    Severity,
)
from painpath.monitoring.instruments.scoring import item_flags, score, t_score

__all__ = [
    "Answers",
    "Definition",
    "Flag",
    "InstrumentError",
    "Item",
    "ScoreResult",
    "Severity",
    "catalog",
    "definition",
    "item_flags",
    "score",
    "t_score",
    "to_fhir_observation",
    "to_fhir_questionnaire",
    "to_fhir_questionnaire_response",
]
