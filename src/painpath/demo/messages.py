"""Demo secure messages: each patient with a login has written to their care team.

Per patient account: one thread the primary clinician has answered (read by both sides) and
one newer question from the patient that nobody on the team has opened yet, so the demo shows
unread counts on the staff inbox and in the navigation. Text only (attachments are files in
the data directory, which seeding does not touch). Synthetic wording, no clinical advice
beyond the obvious.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from painpath.demo.cohort import Cohort
from painpath.models import Message, MessageReadState, MessageThread, Role

#: (subject, the patient's message, the clinician's answer or None for a question still open).
CONVERSATIONS = (
    (
        "Gabapentin makes me drowsy",
        "Since the dose went up last week I feel sleepy in the afternoon. Is that expected?",
        "Thank you for telling us. Drowsiness is common in the first weeks and often eases. "
        "Please do not drive while you feel sleepy; we will review the dose at your next visit.",
    ),
    (
        "Question about my exercise plan",
        "Can I keep walking on days when my back pain is 6 out of 10, or should I rest?",
        None,
    ),
)


def _moment(day: datetime, days_before: int, hour: int) -> datetime:
    return day - timedelta(days=days_before) + timedelta(hours=hour)


def seed_messages(
    session: Session,
    *,
    cohort: Cohort,
    patient_ids: Sequence[int],
    user_ids: dict[str, int],
) -> int:
    """Write the demo threads; returns how many messages were written."""
    midnight = datetime.combine(cohort.as_of, time(0), UTC)
    written = 0
    for draft, patient_id in zip(cohort.patients, patient_ids, strict=True):
        if not draft.account_username:
            continue
        patient_user = user_ids[draft.account_username]
        clinician = user_ids[draft.clinicians[0]]
        for number, (subject, question, answer) in enumerate(CONVERSATIONS):
            asked = _moment(midnight, 6 - 4 * number, 15)
            answered = asked + timedelta(hours=20)
            last = answered if answer else asked
            thread = MessageThread(
                patient_id=patient_id,
                subject=subject,
                started_by_id=patient_user,
                last_message_at=last,
                created_at=asked,
                updated_at=last,
            )
            session.add(thread)
            session.flush()
            rows = [
                {
                    "thread_id": thread.id,
                    "patient_id": patient_id,
                    "author_id": patient_user,
                    "author_role": Role.patient,
                    "body": question,
                    "sent_at": asked,
                }
            ]
            if answer:
                rows.append(
                    {
                        "thread_id": thread.id,
                        "patient_id": patient_id,
                        "author_id": clinician,
                        "author_role": Role.clinician,
                        "body": answer,
                        "sent_at": answered,
                    }
                )
            ids = list(
                session.scalars(
                    insert(Message).returning(Message.id, sort_by_parameter_order=True), rows
                )
            )
            readers = [patient_user, clinician] if answer else [patient_user]
            session.execute(
                insert(MessageReadState),
                [
                    {
                        "thread_id": thread.id,
                        "user_id": reader,
                        "last_read_message_id": ids[-1],
                        "read_at": last,
                    }
                    for reader in readers
                ],
            )
            written += len(ids)
    return written
