"""The opioid-cds-r4 CDS Hooks scenarios, at the engine level: recover each request, map it
with painpath.fhir, assess with the clock frozen at 2023-05-01 and compare with the expected
card set (see expectations.py and DISAGREEMENTS.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from painpath.fhir import OpioidInputs, assessment_input_from_fhir
from painpath.opioids import Assessment, assess
from tests.cds_scenarios.expectations import (
    NOT_IMPLEMENTED,
    OVERRIDES,
    RECOMMENDATION_CODES,
)
from tests.cds_scenarios.recover import recover, resource_type_count

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared/reference/opioid"
TODAY = date(2023, 5, 1)
pytestmark = pytest.mark.skipif(
    not (REFERENCE / "scenarios.tsv").is_file(),
    reason=f"reference data not present at {REFERENCE} (../shared)",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    recommendation: str
    request: Path
    card_count: int | None

    def __str__(self) -> str:
        return self.name


def _scenarios() -> list[Scenario]:
    if not (REFERENCE / "scenarios.tsv").is_file():
        return []
    with (REFERENCE / "scenarios.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        Scenario(
            name=Path(row["request_file"]).stem.removeprefix("request-example-"),
            recommendation=row["recommendation"],
            request=REFERENCE / row["request_file"],
            card_count=int(row["expected_card_count"]) if row["expected_card_count"] else None,
        )
        for row in rows
    ]


SCENARIOS = _scenarios()


def _params() -> list[Any]:
    """Each scenario; engine gaps are strict expected failures, so a fixed engine shows up."""
    params = []
    for scenario in SCENARIOS:
        override = OVERRIDES.get(scenario.name)
        marks = (
            [pytest.mark.xfail(strict=True, reason=f"engine gap: {override.reason}")]
            if override is not None and override.kind == "engine-gap"
            else []
        )
        params.append(pytest.param(scenario, id=scenario.name, marks=marks))
    return params


def map_request(request: dict[str, Any]) -> OpioidInputs:
    """What a CDS service does offline: prefetch values are the chart, draftOrders the drafts."""
    context = request.get("context") or {}
    drafts = context.get("draftOrders")
    return assessment_input_from_fhir(
        patient=None,
        resources=list(request["prefetch"].values()),
        draft_orders=[drafts] if drafts else [],
        today=TODAY,
    )


def fires_for_draft(assessment: Assessment, inputs: OpioidInputs, codes: frozenset[str]) -> bool:
    """A recommendation's card: one of `codes` fires and, on an order hook, concerns a draft
    order (patient-level alerts, with no medication indexes, count too)."""
    for alert in assessment.alerts:
        if alert.code not in codes:
            continue
        indexes = set(alert.medication_indexes)
        if not inputs.draft_indexes or not indexes or indexes & set(inputs.draft_indexes):
            return True
    return False


def test_every_request_file_is_recovered_without_losing_a_resource() -> None:
    assert len(SCENARIOS) == 67
    for scenario in SCENARIOS:
        text = scenario.request.read_text(encoding="utf-8")
        request = recover(scenario.request)
        assert set(request) <= {"hookInstance", "fhirServer", "hook", "context", "prefetch"}
        assert all(key.startswith("item") for key in request["prefetch"]), scenario
        assert resource_type_count(request) >= text.count('"resourceType"'), scenario


@pytest.mark.parametrize("scenario", _params())
def test_scenario_gives_the_2022_card_set(scenario: Scenario) -> None:
    if scenario.recommendation in NOT_IMPLEMENTED:
        pytest.skip(NOT_IMPLEMENTED[scenario.recommendation])
    override = OVERRIDES.get(scenario.name)
    if override is None and scenario.card_count is None:
        pytest.fail(f"{scenario.name}: no oracle and no derived expectation")
    expected = override.fires if override else bool(scenario.card_count)
    inputs = map_request(recover(scenario.request))
    assessment = assess(inputs.data, today=TODAY)
    codes = RECOMMENDATION_CODES[scenario.recommendation]
    fired = fires_for_draft(assessment, inputs, codes)
    assert fired is expected, (scenario.name, assessment.codes, inputs.notes)
