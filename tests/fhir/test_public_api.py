"""painpath.fhir's public API, pinned."""

from __future__ import annotations

import dataclasses
import inspect

import painpath.fhir
from painpath.fhir import OpioidInputs, assessment_input_from_fhir


def test_public_names_are_pinned() -> None:
    assert sorted(painpath.fhir.__all__) == [
        "OpioidInputs",
        "assessment_input_from_fhir",
        "flatten",
        "value_set",
        "value_sets_source",
    ]


def test_the_cds_service_contract() -> None:
    parameters = inspect.signature(assessment_input_from_fhir).parameters
    assert list(parameters) == ["patient", "resources", "draft_orders", "today"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert [f.name for f in dataclasses.fields(OpioidInputs)] == ["data", "draft_indexes", "notes"]
