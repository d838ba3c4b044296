"""Workflow states per therapy family, as explicit state machines.

A course starts in its family's first state and moves only along the edges below; anything
else is an `InvalidTransition` naming where the course is and where it may go. Guards that need
data (screening complete, trial successful, status acknowledged) are checked by the service
with the engine's other modules; this module only knows the shape of each workflow.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from painpath.care.knowledge import knowledge
from painpath.care.workflows.data import workflow_knowledge


class Family(StrEnum):
    biologic = "biologic"
    neurostimulation = "neurostimulation"
    regenerative = "regenerative"
    general = "general"  # any other therapy: outcomes and an end, no gated steps


class CourseState(StrEnum):
    # biologic
    screening = "screening"
    active = "active"
    # neurostimulation
    candidacy = "candidacy"
    trial = "trial"
    trial_succeeded = "trial_succeeded"
    trial_failed = "trial_failed"
    implanted = "implanted"
    # regenerative
    assessment = "assessment"
    injections = "injections"
    # general
    planned = "planned"
    # every family
    ended = "ended"


class EndReason(StrEnum):
    """How a course ended; the first four feed 'therapies tried' for the next suggestion."""

    inadequate_response = "inadequate_response"
    intolerance = "intolerance"
    loss_of_response = "loss_of_response"
    contraindicated = "contraindicated"
    completed = "completed"
    explanted = "explanted"
    patient_choice = "patient_choice"
    other = "other"


TRIED_OUTCOMES = frozenset(
    {
        EndReason.inadequate_response,
        EndReason.intolerance,
        EndReason.loss_of_response,
        EndReason.contraindicated,
    }
)

S = CourseState
TRANSITIONS: MappingProxyType[Family, MappingProxyType[CourseState, frozenset[CourseState]]] = (
    MappingProxyType(
        {
            Family.biologic: MappingProxyType(
                {S.screening: frozenset({S.active, S.ended}), S.active: frozenset({S.ended})}
            ),
            Family.neurostimulation: MappingProxyType(
                {
                    # candidacy -> implanted only while the clinic does not require a trial
                    S.candidacy: frozenset({S.trial, S.implanted, S.ended}),
                    S.trial: frozenset({S.trial_succeeded, S.trial_failed, S.ended}),
                    S.trial_failed: frozenset({S.trial, S.ended}),
                    S.trial_succeeded: frozenset({S.implanted, S.ended}),
                    S.implanted: frozenset({S.ended}),
                }
            ),
            Family.regenerative: MappingProxyType(
                {
                    S.assessment: frozenset({S.injections, S.ended}),
                    S.injections: frozenset({S.ended}),
                }
            ),
            Family.general: MappingProxyType(
                {S.planned: frozenset({S.active, S.ended}), S.active: frozenset({S.ended})}
            ),
        }
    )
)
INITIAL = MappingProxyType(
    {
        Family.biologic: S.screening,
        Family.neurostimulation: S.candidacy,
        Family.regenerative: S.assessment,
        Family.general: S.planned,
    }
)

ORDER = MappingProxyType(
    {
        Family.biologic: (S.screening, S.active, S.ended),
        Family.neurostimulation: (
            S.candidacy,
            S.trial,
            S.trial_succeeded,
            S.trial_failed,
            S.implanted,
            S.ended,
        ),
        Family.regenerative: (S.assessment, S.injections, S.ended),
        Family.general: (S.planned, S.active, S.ended),
    }
)


class InvalidTransition(ValueError):
    """A course asked to move along an edge its workflow does not have."""

    def __init__(self, family: Family, current: CourseState, target: CourseState) -> None:
        allowed = sorted(TRANSITIONS[family].get(current, frozenset()))
        where = ", ".join(allowed) if allowed else "nowhere (the course has ended)"
        super().__init__(
            f"a {family.value} course cannot go from {current.value} to {target.value};"
            f" from {current.value} it may go to {where}"
        )
        self.family = family
        self.current = current
        self.target = target


def states_of(family: Family) -> tuple[CourseState, ...]:
    """Every state of a family's workflow, first state first and `ended` last."""
    return ORDER[family]


def check_transition(family: Family, current: CourseState, target: CourseState) -> None:
    """Raise `InvalidTransition` unless the workflow has the edge current -> target."""
    if target not in TRANSITIONS[family].get(current, frozenset()):
        raise InvalidTransition(family, current, target)


def family_of(therapy: str) -> Family:
    """The workflow a therapy follows (raises KeyError for a therapy id care does not know)."""
    knowledge().therapies[therapy]  # unknown ids fail here, not as "general"
    flows = workflow_knowledge()
    if therapy in flows.biologics:
        return Family.biologic
    if therapy in flows.neurostimulation:
        return Family.neurostimulation
    if therapy in flows.regenerative:
        return Family.regenerative
    return Family.general


def next_states(family: Family, current: CourseState) -> frozenset[CourseState]:
    """Where a course in `current` may go next."""
    return TRANSITIONS[family].get(current, frozenset())
