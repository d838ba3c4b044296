"""Regenerative courses: the contraindication review and the evidence status a clinician must
acknowledge before the first injection (ACR/AF 2019, NICE IPG637, FDA 21 CFR 1271; see
`knowledge/regenerative.json`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from painpath.care.knowledge import knowledge
from painpath.care.workflows.data import (
    CheckItem,
    Contraindication,
    EvidenceStatus,
    workflow_knowledge,
)


@dataclass(frozen=True, slots=True)
class GuidelineLine:
    """A guideline statement about the therapy from the care knowledge (against or research)."""

    condition: str
    guideline: str
    year: int
    strength: str
    wording: str


@dataclass(frozen=True, slots=True)
class StatusNotice:
    status: EvidenceStatus
    guidelines: tuple[GuidelineLine, ...]

    @property
    def text(self) -> str:
        """The exact text acknowledged (stored with the acknowledgement)."""
        return f"{self.status.status.replace('_', ' ').capitalize()}: {self.status.statement}"


def status_notice(therapy: str) -> StatusNotice:
    """The status to acknowledge, with every care-knowledge guideline line not in favour."""
    status = workflow_knowledge().regenerative[therapy]
    lines = []
    for condition in knowledge().conditions.values():
        for rec in condition.recommendations:
            if rec.therapy == therapy and rec.strength in (
                "strong_against",
                "conditional_against",
                "research_only",
            ):
                lines.append(
                    GuidelineLine(
                        condition.name,
                        rec.guideline.name,
                        rec.guideline.year,
                        rec.strength,
                        rec.strength_raw,
                    )
                )
    return StatusNotice(status, tuple(lines))


def contraindications(therapy: str) -> tuple[Contraindication, ...]:
    return workflow_knowledge().contraindications_for(therapy)


def blocking(therapy: str, present: Iterable[str]) -> tuple[Contraindication, ...]:
    """The absolute contraindications among those recorded as present."""
    found = set(present)
    return tuple(c for c in contraindications(therapy) if c.absolute and c.id in found)


#: How long a contraindication review holds before an injection (clinic convention, as for the
#: same-visit reviews in screening.json).
REVIEW_VALID_DAYS = 30


def contraindication_items(therapy: str) -> tuple[CheckItem, ...]:
    """The contraindication review as a checklist: every item must be reviewed; an absolute
    contraindication that is present blocks the injection, a relative one is shown as a
    warning."""
    return tuple(
        CheckItem(
            id=c.id,
            label=f"{c.label} ({'absolute' if c.absolute else 'relative'})",
            valid_days=REVIEW_VALID_DAYS,
            source=c.source,
            results=MappingProxyType({"absent": True, "present": not c.absolute}),
            products=None,
        )
        for c in contraindications(therapy)
    )
