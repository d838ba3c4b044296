"""Issue 4 acceptance: the opioid-cds-r4 CDS Hooks requests through painpath's HTTP service.

Each scenario row that test_scenarios.py checks at engine level (same expectations, same
skip and xfail decisions, imported from tests.cds_scenarios) is recovered, re-keyed under
painpath's prefetch keys (tests/cds/scenario_requests.py) and POSTed to
`/cds-services/painpath-<hook>` with a JWT signed by a trusted issuer, the server clock frozen
at 2023-05-01 (`app.state.cds_clock`). The response must be 200 with valid CDS Hooks cards, and
the recommendation's card must be present exactly when the expectation says so.

Null prefetch: the reference requests leave some of *their* keys null for the service to
fetch. painpath's keys are its own, so every resource the request holds is sent under the
painpath key for its type, and a painpath key with no resource is left out, so painpath fetches
it from the request's `fhirServer`, played by an httpx MockTransport serving the request's own
resources. Empty Bundles would say the same for searches, but three requests (`noPrefetch`,
REC10PatientView `2-illicit-drugs`, REC11PatientView `benzo-trigger-with-opioid`) carry no
Patient at all: an empty answer would be a 412, while an EHR always holds the patient in
context, so the fake server answers `Patient/{id}` with a bare Patient (id only). This also runs
painpath's fetch path on every scenario.

Which card is the recommendation's: order hooks answer one card per alert, and painpath
stores each issued card's uuid with its alert code (`CdsIssuedCard`, used for feedback and
snoozes); the test reads the code from there. patient-view answers a single pain summary card
(code PAIN_SUMMARY) whose "Advice" line lists every alert's summary; there the recommendation's
"card" is its alert's summary in that line.

Documented differences (not failures): the reference responses' cards are all `warning`;
painpath's indicator is the alert's severity, so MME_GE_90 is `critical` and UDT_DUE,
PDMP_REVIEW_DUE and BENEFIT_RISK_REVIEW_DUE are `info` (on patient-view the summary card is
`info` when every alert is). Card text is never compared, and card counts are not: painpath
adds cards the reference has no rule for (e.g. FENTANYL_PATCH_CAUTION, MME_GE_50 beside
NALOXONE_OFFER) and answers patient-view with one summary card instead of one per
recommendation.

Service-level disagreements would be strict xfails listed in `SERVICE_GAPS`; there are none.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from painpath.models.cds import CdsIssuedCard
from painpath.opioids.knowledge import rule_knowledge
from tests.cds.conftest import Clock, Ehr, assert_valid_card
from tests.cds.scenario_requests import FakeFhirServer, ehr_view
from tests.cds_scenarios.expectations import NOT_IMPLEMENTED, OVERRIDES, RECOMMENDATION_CODES
from tests.cds_scenarios.recover import recover
from tests.cds_scenarios.test_scenarios import REFERENCE, TODAY, Scenario, _params

pytestmark = [
    pytest.mark.skipif(
        not (REFERENCE / "scenarios.tsv").is_file(),
        reason=f"reference data not present at {REFERENCE} (../shared)",
    ),
    # The backend plays no part in the rules; one is enough (the suite is 67 HTTP exchanges).
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

FROZEN = datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0, tzinfo=UTC)
SERVICE_FOR_HOOK = {
    "order-sign": "painpath-order-sign",
    "order-select": "painpath-order-select",
    "patient-view": "painpath-patient-view",
}
#: painpath's indicator where it differs from the reference's `warning` (see the docstring).
DOCUMENTED_INDICATORS: dict[str, str] = {
    code: text.severity
    for code, text in rule_knowledge().alerts.items()
    if text.severity != "warning"
}


#: Where the service answers differently from the engine-level expectation: strict expected
#: failures (they fail loudly once the service changes), on top of test_scenarios.py's marks.
#: None today: the CarePlan prefetch (REC02) and patient-level alerts on order-select when an
#: opioid is selected (REC10 unexpected UDT results) closed the five gaps found first.
SERVICE_GAPS: dict[str, str] = {}


def _service_params() -> list[Any]:
    """test_scenarios.py's params (its skip/xfail decisions), plus the service gaps."""
    params = []
    for param in _params():
        (scenario,) = param.values
        marks = list(param.marks)
        gap = SERVICE_GAPS.get(str(scenario))
        if gap is not None and not marks:
            marks.append(pytest.mark.xfail(strict=True, reason=f"service gap: {gap}"))
        params.append(pytest.param(scenario, id=param.id, marks=marks))
    return params


def _summary_pattern(code: str) -> re.Pattern[str]:
    """The alert's summary template as a regex: literal text, each `{field}` any text."""
    parts = re.split(r"\{[a-z_]+\}", rule_knowledge().alerts[code].summary)
    return re.compile(".+?".join(re.escape(part) for part in parts))


def _issued_codes(app: FastAPI, cards: list[dict[str, Any]]) -> dict[str, str]:
    """Card uuid -> the alert code painpath stored when it issued the card."""
    uuids = [card["uuid"] for card in cards]
    with app.state.session_factory() as session:
        rows = session.execute(
            select(CdsIssuedCard.uuid, CdsIssuedCard.alert_code).where(
                CdsIssuedCard.uuid.in_(uuids)
            )
        )
        return {str(card_uuid): code for card_uuid, code in rows}


def _expected(scenario: Scenario) -> tuple[bool, bool]:
    """(card expected, the response is the oracle) — as test_scenarios.py decides."""
    override = OVERRIDES.get(scenario.name)
    if override is None and scenario.card_count is None:
        pytest.fail(f"{scenario.name}: no oracle and no derived expectation")
    if override is not None:
        return override.fires, False
    return bool(scenario.card_count), True


@pytest.mark.parametrize("scenario", _service_params())
def test_reference_request_through_the_service(
    scenario: Scenario, cds_app: FastAPI, ehr: Ehr, clock: Clock
) -> None:
    if scenario.recommendation in NOT_IMPLEMENTED:
        pytest.skip(NOT_IMPLEMENTED[scenario.recommendation])
    expected, response_is_oracle = _expected(scenario)
    request = recover(scenario.request)
    view = ehr_view(request)
    server = FakeFhirServer(view, request["context"]["patientId"])
    cds_app.state.cds_transport = server.transport()
    clock.now = FROZEN
    service_id = SERVICE_FOR_HOOK[request["hook"]]

    response = ehr.post(f"/cds-services/{service_id}", view.body, ehr.token(service_id))

    assert response.status_code == 200, (scenario.name, response.text)
    cards: list[dict[str, Any]] = response.json()["cards"]
    for card in cards:
        assert_valid_card(card)
    issued = _issued_codes(cds_app, cards)
    assert set(issued) == {card["uuid"] for card in cards}
    codes = RECOMMENDATION_CODES[scenario.recommendation]
    if request["hook"] == "patient-view":
        assert [issued[card["uuid"]] for card in cards] == ["PAIN_SUMMARY"]
        (card,) = cards
        advice = next(
            (line for line in card["detail"].split("\n\n") if line.startswith("**Advice:**")), ""
        )
        matched = sorted(code for code in codes if _summary_pattern(code).search(advice))
        assert bool(matched) is expected, (scenario.name, card["detail"])
        if expected and response_is_oracle:
            # warning unless every alert is `info` (a documented difference, see above)
            info_only = all(DOCUMENTED_INDICATORS.get(code) == "info" for code in matched)
            assert card["indicator"] in (("info", "warning") if info_only else ("warning",)), (
                scenario.name,
                card["indicator"],
            )
        return
    found = [card for card in cards if issued[card["uuid"]] in codes]
    assert bool(found) is expected, (scenario.name, sorted(issued.values()))
    if expected and response_is_oracle:
        for card in found:
            code = issued[card["uuid"]]
            assert card["indicator"] == DOCUMENTED_INDICATORS.get(code, "warning"), (
                scenario.name,
                code,
                card["indicator"],
            )
