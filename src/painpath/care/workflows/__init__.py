"""Therapy workflows, pure: biologic screening and monitoring, neurostimulation candidacy,
trial and programming, regenerative contraindications and evidence status, outcome instruments
with responder rules, and the state machine of each family.

No web, database or settings. Knowledge is versioned JSON in `knowledge/` with named sources.
"""

from painpath.care.workflows.checklists import Gate, ItemState, ItemStatus, RecordedResult, evaluate
from painpath.care.workflows.data import workflow_knowledge
from painpath.care.workflows.outcomes import (
    OutcomeError,
    Response,
    next_due,
    respond,
    validate_values,
)
from painpath.care.workflows.states import (
    INITIAL,
    TRIED_OUTCOMES,
    CourseState,
    EndReason,
    Family,
    InvalidTransition,
    check_transition,
    family_of,
    next_states,
    states_of,
)

__all__ = [
    "INITIAL",
    "TRIED_OUTCOMES",
    "CourseState",
    "EndReason",
    "Family",
    "Gate",
    "InvalidTransition",
    "ItemState",
    "ItemStatus",
    "OutcomeError",
    "RecordedResult",
    "Response",
    "check_transition",
    "evaluate",
    "family_of",
    "next_due",
    "next_states",
    "respond",
    "states_of",
    "validate_values",
    "workflow_knowledge",
]
