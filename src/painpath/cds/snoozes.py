"""Issued cards, feedback and snoozes: an overridden alert with a reason stays quiet for that
patient for a while (90 days unless the reason code says otherwise), then comes back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, or_, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.cds.client_auth import CdsClient
from painpath.cds.requests import FeedbackItem
from painpath.kit.text import counted
from painpath.models.cds import CdsFeedback, CdsIssuedCard, CdsSnooze

#: Issued cards are kept this long for feedback to refer to, then pruned.
CARD_RETENTION = timedelta(days=30)
DEFAULT_SNOOZE_DAYS = 90


@dataclass(frozen=True, slots=True)
class CardSubject:
    """Who a set of cards is about: the EHR's patient at one client, and painpath's if known."""

    issuer: str
    ehr_patient_id: str
    patient_id: int | None


_ISSUED = cast("Table", CdsIssuedCard.__table__)
# Built once: a Core statement hits the compiled cache (one INSERT for all of a call's cards).
_REMEMBER = insert(_ISSUED)


def remember_cards(
    session: Session,
    *,
    service_id: str,
    subject: CardSubject,
    cards: Iterable[tuple[str, str]],
    now: datetime,
) -> None:
    """Store (card uuid, alert code) pairs, in one statement."""
    rows = [
        {
            "uuid": card_uuid,
            "service_id": service_id,
            "alert_code": code,
            "issuer": subject.issuer,
            "ehr_patient_id": subject.ehr_patient_id,
            "patient_id": subject.patient_id,
            "issued_at": now,
        }
        for card_uuid, code in cards
    ]
    if rows:
        session.connection().execute(_REMEMBER, rows)


def prune_issued_cards(session: Session, *, now: datetime) -> None:
    """Forget cards past retention (run now and then, not on every call)."""
    session.execute(delete(CdsIssuedCard).where(CdsIssuedCard.issued_at < now - CARD_RETENTION))


_SNOOZES = cast("Table", CdsSnooze.__table__)
_SAME_EHR_PATIENT = (_SNOOZES.c.issuer == bindparam("issuer")) & (
    _SNOOZES.c.ehr_patient_id == bindparam("ehr_patient_id")
)
_UNEXPIRED = _SNOOZES.c.expires_at > bindparam("now")
# Built once, Core: the compiled cache answers (building them cost more than running them).
_SNOOZED_FOR_EHR_PATIENT = select(_SNOOZES.c.alert_code).where(_SAME_EHR_PATIENT, _UNEXPIRED)
_SNOOZED_FOR_EITHER = select(_SNOOZES.c.alert_code).where(
    or_(_SAME_EHR_PATIENT, _SNOOZES.c.patient_id == bindparam("patient_id")), _UNEXPIRED
)


def snoozed_codes(session: Session, *, subject: CardSubject, now: datetime) -> set[str]:
    """Alert codes snoozed for this patient at `now` (by the EHR's id at this client, or by
    painpath's patient when known)."""
    params = {"issuer": subject.issuer, "ehr_patient_id": subject.ehr_patient_id, "now": now}
    if subject.patient_id is None:
        query = _SNOOZED_FOR_EHR_PATIENT
    else:
        query, params = _SNOOZED_FOR_EITHER, {**params, "patient_id": subject.patient_id}
    return set(session.connection().execute(query, params).scalars())


def snooze_days(reason_code: str | None, days_by_reason: Mapping[str, int]) -> int:
    default = days_by_reason.get("default", DEFAULT_SNOOZE_DAYS)
    return days_by_reason.get(reason_code or "", default)


def record_feedback(
    session: Session,
    *,
    service_id: str,
    client: CdsClient,
    items: Iterable[FeedbackItem],
    now: datetime,
    days_by_reason: Mapping[str, int],
) -> list[CdsFeedback]:
    """Store each feedback item; snooze overridden alerts that came with a reason."""
    stored = []
    for item in items:
        card = session.get(CdsIssuedCard, item.card)
        if card is not None and card.issuer != client.issuer:
            card = None  # another client's card: never let one EHR snooze another's alerts
        reason = item.override_reason.reason if item.override_reason else None
        feedback = CdsFeedback(
            card_uuid=item.card,
            service_id=service_id,
            issuer=client.issuer,
            outcome=item.outcome,
            accepted_suggestions=[s.id for s in item.accepted_suggestions],
            override_reason_system=reason.system if reason else None,
            override_reason_code=reason.code if reason else None,
            user_comment=item.override_reason.user_comment if item.override_reason else None,
            outcome_at=item.outcome_timestamp,
            received_at=now,
            alert_code=card.alert_code if card else None,
            patient_id=card.patient_id if card else None,
        )
        session.add(feedback)
        session.flush()
        audit.record(
            session,
            actor=None,
            action="create",
            resource_type="CdsFeedback",
            patient_id=feedback.patient_id,
            resource_id=feedback.id,
            detail=f"CDS feedback {item.outcome} on card {item.card} from client {client.issuer}",
        )
        if card is not None and item.outcome == "overridden" and reason and reason.code:
            _snooze(session, card, feedback, now, snooze_days(reason.code, days_by_reason))
        stored.append(feedback)
    return stored


def _snooze(
    session: Session, card: CdsIssuedCard, feedback: CdsFeedback, now: datetime, days: int
) -> None:
    snooze = CdsSnooze(
        issuer=card.issuer,
        ehr_patient_id=card.ehr_patient_id,
        patient_id=card.patient_id,
        alert_code=card.alert_code,
        reason_code=feedback.override_reason_code,
        feedback_id=feedback.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(snooze)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="create",
        resource_type="CdsSnooze",
        patient_id=card.patient_id,
        resource_id=snooze.id,
        detail=(
            f"snoozed {card.alert_code} for EHR patient {card.ehr_patient_id}"
            f" for {counted(days, 'day')}"
            f" (reason {feedback.override_reason_code}) by CDS client {card.issuer}"
        ),
    )
