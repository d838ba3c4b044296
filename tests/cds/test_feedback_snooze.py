"""Feedback is recorded; an override with a reason snoozes that alert for that patient until
the snooze expires (the clock is frozen and moved by hand)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from painpath.cds.cards import OVERRIDE_SYSTEM
from painpath.models import AuditEvent, CdsFeedback, CdsIssuedCard, CdsSnooze
from tests.cds.conftest import Clock, Ehr
from tests.cds.fhir_data import (
    alprazolam,
    full_prefetch,
    hook_request,
    morphine_er,
    oxycodone_draft,
)

SERVICE = "painpath-order-sign"


def _sign(ehr: Ehr) -> dict[str, dict[str, Any]]:
    body = hook_request(
        "order-sign",
        drafts=[oxycodone_draft()],
        prefetch=full_prefetch(morphine_er(), alprazolam()),
    )
    cards = ehr.call(SERVICE, body)
    by_summary = {card["summary"]: card for card in cards}
    return by_summary


def _benzo_card(app: FastAPI, cards: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    with app.state.session_factory() as session:
        codes = {c.uuid: c.alert_code for c in session.scalars(select(CdsIssuedCard))}
    found = [c for c in cards.values() if codes[c["uuid"]] == "BENZO_COPRESCRIBE"]
    return found[0] if found else None


def _override(card: dict[str, Any], reason: str | None, clock: Clock) -> dict[str, Any]:
    item: dict[str, Any] = {
        "card": card["uuid"],
        "outcome": "overridden",
        "outcomeTimestamp": clock.now.isoformat(),
    }
    if reason:
        item["overrideReason"] = {
            "reason": {"system": OVERRIDE_SYSTEM, "code": reason},
            "userComment": "tapering the benzodiazepine",
        }
    return item


def test_override_snoozes_the_alert_until_it_expires(
    cds_app: FastAPI, ehr: Ehr, clock: Clock
) -> None:
    card = _benzo_card(cds_app, _sign(ehr))
    assert card is not None
    response = ehr.feedback(SERVICE, [_override(card, "snooze-1-month", clock)])
    assert response.status_code == 200, response.text

    assert _benzo_card(cds_app, _sign(ehr)) is None  # snoozed
    clock.now += timedelta(days=29)
    assert _benzo_card(cds_app, _sign(ehr)) is None
    clock.now += timedelta(days=2)
    assert _benzo_card(cds_app, _sign(ehr)) is not None  # expired: back

    with cds_app.state.session_factory() as session:
        snooze = session.scalars(select(CdsSnooze)).one()
        assert snooze.alert_code == "BENZO_COPRESCRIBE"
        assert snooze.expires_at - snooze.created_at == timedelta(days=30)
        feedback = session.scalars(select(CdsFeedback)).one()
        assert feedback.override_reason_code == "snooze-1-month"
        assert feedback.user_comment == "tapering the benzodiazepine"
        audited = {e.resource_type for e in session.scalars(select(AuditEvent))}
        assert {"CdsFeedback", "CdsSnooze"} <= audited


def test_default_snooze_is_90_days_and_acceptance_snoozes_nothing(
    cds_app: FastAPI, ehr: Ehr, clock: Clock
) -> None:
    cards = _sign(ehr)
    benzo = _benzo_card(cds_app, cards)
    assert benzo is not None
    others = [c for c in cards.values() if c["uuid"] != benzo["uuid"]]
    accepted = {
        "card": others[0]["uuid"],
        "outcome": "accepted",
        "acceptedSuggestions": [],
        "outcomeTimestamp": clock.now.isoformat(),
    }
    unknown = _override({"uuid": "00000000-0000-4000-8000-000000000000"}, "x", clock)
    items = [_override(benzo, "benefit-outweighs-risk", clock), accepted, unknown]
    assert ehr.feedback(SERVICE, items).status_code == 200
    with cds_app.state.session_factory() as session:
        snooze = session.scalars(select(CdsSnooze)).one()
        assert snooze.expires_at - snooze.created_at == timedelta(days=90)
        assert len(session.scalars(select(CdsFeedback)).all()) == 3
    clock.now += timedelta(days=89)
    assert _benzo_card(cds_app, _sign(ehr)) is None
    clock.now += timedelta(days=2)
    assert _benzo_card(cds_app, _sign(ehr)) is not None


def test_an_override_without_a_reason_is_recorded_but_snoozes_nothing(
    cds_app: FastAPI, ehr: Ehr, clock: Clock
) -> None:
    card = _benzo_card(cds_app, _sign(ehr))
    assert card is not None
    assert ehr.feedback(SERVICE, [_override(card, None, clock)]).status_code == 200
    assert _benzo_card(cds_app, _sign(ehr)) is not None


def test_malformed_feedback_is_a_400(ehr: Ehr) -> None:
    response = ehr.feedback(SERVICE, [{"card": "x", "outcome": "maybe"}])
    assert response.status_code == 400
