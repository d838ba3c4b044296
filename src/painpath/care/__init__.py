"""Multimodal care suggestions, pure: a knowledge base of options per condition from named
guidelines (US, UK, international) and an engine that personalizes them and says why.

No web, database or settings. PGx advice comes from painpath.pgx and opioid checks from
painpath.opioids, not written again. The public API is `__all__`.
"""

from painpath.care.inputs import CareRequest, Tried, parse_request
from painpath.care.knowledge import KnowledgeError, knowledge
from painpath.care.suggest import Suggestions, suggest
from painpath.care.text import render_text

__all__ = [
    "CareRequest",
    "KnowledgeError",
    "Suggestions",
    "Tried",
    "knowledge",
    "parse_request",
    "render_text",
    "suggest",
]
