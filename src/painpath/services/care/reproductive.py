"""Pregnant, planning a pregnancy, breastfeeding: read from the stored record.

From active coded conditions (ICD-10-CM and SNOMED CT codes listed in the care vocabulary,
`reproductive_status`) and from the latest pregnancy-status (LOINC 82810-3) and pregnancy-intent
(LOINC 86645-9) observations within their look-back. Either source saying yes sets the flag
(a pregnancy condition older than the look-back does not); a later "not pregnant" observation
does not clear an active pregnancy condition, the notes say the record disagrees. What the
record cannot say is said in the notes, so a clinician knows "no" means "not recorded".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from painpath.care import knowledge
from painpath.care.codes import reproductive_state_for
from painpath.care.knowledge import REPRODUCTIVE_STATES, ReproductiveState
from painpath.models.condition import Condition
from painpath.models.observation import Observation
from painpath.services.care.latest import newest

_LABEL = {
    "pregnant": "pregnant",
    "planning_pregnancy": "planning a pregnancy",
    "breastfeeding": "breastfeeding",
}
#: a pregnancy condition with an onset longer ago than this is no longer taken as current
PREGNANCY_WEEKS = 42


@dataclass(slots=True)
class ReproductiveStatus:
    """The three request flags and, per flag, what in the record set it."""

    found: dict[ReproductiveState, list[str]] = field(default_factory=dict)
    denied: dict[ReproductiveState, str] = field(default_factory=dict)

    def flag(self, state: ReproductiveState) -> bool:
        return bool(self.found.get(state))

    def notes(self) -> list[str]:
        said = []
        for state in REPRODUCTIVE_STATES:
            label = _LABEL[state]
            if self.found.get(state):
                said.append(f"Taken as {label} from the record: {'; '.join(self.found[state])}.")
                if state in self.denied:
                    said.append(f"The record disagrees: {self.denied[state]}; taken as {label}.")
            elif state in self.denied:
                said.append(f"Taken as not {label}: {self.denied[state]}.")
        missing = [
            _LABEL[s] for s in REPRODUCTIVE_STATES if not self.found.get(s) and s not in self.denied
        ]
        if missing:
            said.append(
                "Nothing in the record says the patient is "
                + ", ".join(missing)
                + " (no coded condition or recent observation): taken as no. Confirm before"
                " choosing valproate, topiramate, CGRP antibodies, NSAIDs or methotrexate."
            )
        return said


def conditions_status(rows: list[Condition], today: date, status: ReproductiveStatus) -> list[int]:
    """Read reproductive states from the active condition rows; returns the ids it used."""
    used = []
    for row in rows:
        state = reproductive_state_for(row.code)
        if state is None:
            continue
        used.append(row.id)
        what = f"condition {row.code} ({row.display[:60]})"
        if (
            state == "pregnant"
            and row.onset_date is not None
            and row.onset_date < today - timedelta(weeks=PREGNANCY_WEEKS)
        ):
            status.denied.setdefault(state, f"{what} began more than {PREGNANCY_WEEKS} weeks ago")
            continue
        status.found.setdefault(state, []).append(what)
    return used


def observations_status(
    latest: dict[str, Observation],
    today: date,
    status: ReproductiveStatus,
    notes: list[str],
) -> None:
    """Read the latest pregnancy-status and pregnancy-intent observations in their look-back."""
    for rule in knowledge().status_observations.values():
        row = newest([latest[code] for code in rule.loinc if code in latest])
        since = datetime.combine(today - timedelta(weeks=rule.lookback_weeks), time(0), UTC)
        if row is None or row.effective_at < since:
            continue
        answer = rule.answer(row.value_text or "")
        day = row.effective_at.date().isoformat()
        value = (row.value_text or "")[:40]
        what = f"{row.display[:60]} {value!r} on {day} (LOINC {row.loinc_code})"
        if answer == "unreadable":
            notes.append(f"The stored {what} could not be read: not used.")
        elif answer is True:
            status.found.setdefault(rule.state, []).append(what)
        elif answer is False:
            status.denied[rule.state] = what  # a recorded answer says more than a stale code


def reproductive_status(
    conditions: list[Condition],
    latest: dict[str, Observation],
    *,
    today: date,
    notes: list[str],
) -> ReproductiveStatus:
    """The three flags from the active conditions and the newest observations (`latest`, by
    LOINC code; empty when the reader may not read observations)."""
    status = ReproductiveStatus()
    conditions_status(conditions, today, status)
    observations_status(latest, today, status, notes)
    return status
