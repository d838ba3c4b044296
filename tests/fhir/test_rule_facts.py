"""Mapper facts for recs 2, 7 and 12: days on opioids, pain plans by the prescriber, OUD and
MOUD prescriptions."""

from __future__ import annotations

from datetime import date
from typing import Any

from painpath.fhir import assessment_input_from_fhir
from painpath.opioids import Patient, assess
from tests.fhir.builders import SNOMED, concept, condition, patient, request

TODAY = date(2023, 5, 1)
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
BUPRENORPHINE_NALOXONE = "1010600"  # in the IG's buprenorphine-and-methadone value set


def _inputs(*chart: Any, draft: dict[str, Any] | None = None) -> Any:
    order = draft if draft is not None else _order()
    return assessment_input_from_fhir(
        patient=patient(), resources=list(chart), draft_orders=[order], today=TODAY
    )


def _patient(*chart: Any, draft: dict[str, Any] | None = None) -> Patient:
    return _inputs(*chart, draft=draft).data.patient


def _order(recorder: str | None = "Practitioner/doc") -> dict[str, Any]:
    order = request(rid="draft")
    if recorder:
        order["recorder"] = {"reference": recorder}
    return order


def _visit(day: str = "2023-01-10") -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "type": [concept(SNOMED, "185463005")],
        "period": {"start": day},
    }


def test_rec7_day_counts_collapse_overlapping_prescriptions() -> None:
    overlapping = [
        request(authored="2023-04-21", supply_days=10, rid="a"),
        request(authored="2023-04-25", supply_days=10, rid="b"),
    ]
    facts = _patient(*overlapping, _visit())
    assert facts.opioid_days_last_10_days == 10  # 4/21 to 4/30, not 20
    assert facts.opioid_days_last_3_months == (10, 0, 0)
    assert facts.office_visit_last_12_months is True
    assert _patient(*overlapping).office_visit_last_12_months is False
    ninety = _patient(request(authored="2023-01-31", supply_days=90, rid="long"))
    assert ninety.opioid_days_last_3_months == (30, 30, 30)


def test_rec7_fires_on_regular_use_and_not_on_a_first_30_day_order() -> None:
    first = assess(_inputs().data, today=TODAY)
    assert "BENEFIT_RISK_REVIEW_DUE" not in first.codes
    regular = _inputs(request(authored="2023-04-21", supply_days=10, rid="a"), _visit())
    assert "BENEFIT_RISK_REVIEW_DUE" in assess(regular.data, today=TODAY).codes


def _plan(author: str, created: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "category": [concept("http://loinc.org", "80764-4")],
        "created": created,
        "author": {"reference": author},
        **extra,
    }


def _procedure(performer: str, day: str) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "status": "completed",
        "code": concept(SNOMED, "408957008"),
        "performedDateTime": day,
        "performer": [{"actor": {"reference": performer}}],
    }


def test_rec2_pain_plans_and_procedures_count_only_by_the_ordering_clinician() -> None:
    assert _patient(_plan("Practitioner/doc", "2023-03-01")).last_pain_treatment_plan_date == date(
        2023, 3, 1
    )
    assert _patient(_plan("Practitioner/other", "2023-03-01")).last_pain_treatment_plan_date is None
    updated = _plan("Practitioner/doc", "2022-01-01", meta={"lastUpdated": "2023-04-02T10:00:00Z"})
    assert _patient(updated).last_pain_treatment_plan_date == date(2023, 4, 2)
    revoked = _plan("Practitioner/doc", "2023-03-01", status="revoked")
    assert _patient(revoked).last_pain_treatment_plan_date is None
    done = _patient(_procedure("Practitioner/doc", "2023-04-01"))
    assert done.last_pain_management_procedure_date == date(2023, 4, 1)
    other = _patient(_procedure("Practitioner/other", "2023-04-01"))
    assert other.last_pain_management_procedure_date is None
    requester = _order(recorder=None) | {"requester": {"reference": "Practitioner/doc"}}
    by_requester = _patient(_plan("Practitioner/doc", "2023-03-01"), draft=requester)
    assert by_requester.last_pain_treatment_plan_date == date(2023, 3, 1)


def test_rec2_alert_from_fhir_and_a_note_when_the_order_names_no_clinician() -> None:
    stale = _inputs(_plan("Practitioner/doc", "2022-12-17"))
    assert "NONOPIOID_MAXIMIZE_CHRONIC" in assess(stale.data, today=TODAY).codes
    current = _inputs(_plan("Practitioner/doc", "2023-03-02"))
    assert "NONOPIOID_MAXIMIZE_CHRONIC" not in assess(current.data, today=TODAY).codes
    anonymous = _inputs(_plan("Practitioner/other", "2023-03-02"), draft=_order(recorder=None))
    assert anonymous.data.patient.last_pain_treatment_plan_date == date(2023, 3, 2)
    assert any("Recommendation 2" in note for note in anonymous.notes)


def test_rec12_oud_recorded_date_and_moud_prescriptions() -> None:
    oud = condition(ICD10, "F11.20") | {"recordedDate": "2023-03-01"}
    facts = _patient(oud)
    assert facts.opioid_use_disorder
    assert facts.opioid_use_disorder_recorded_date == date(2023, 3, 1)
    moud = request(BUPRENORPHINE_NALOXONE, authored="2023-03-15", status="completed", rid="bup")
    assert _patient(oud, moud).last_moud_rx_date == date(2023, 3, 15)
    stopped = request(BUPRENORPHINE_NALOXONE, authored="2023-03-15", status="stopped", rid="bup")
    assert _patient(oud, stopped).last_moud_rx_date is None
    undated = _inputs(condition(ICD10, "F11.20"))
    assert undated.data.patient.opioid_use_disorder_recorded_date is None
    assert any("Recommendation 12" in note for note in undated.notes)


def test_rec12_completed_moud_in_90_days_silences_the_alert() -> None:
    oud = condition(ICD10, "F11.20") | {"recordedDate": "2023-03-01"}
    untreated = _inputs(oud)
    assert "OUD_OFFER_MOUD" in assess(untreated.data, today=TODAY).codes
    moud = request(BUPRENORPHINE_NALOXONE, authored="2023-03-15", status="completed", rid="bup")
    treated = _inputs(oud, moud)
    assert "OUD_OFFER_MOUD" not in assess(treated.data, today=TODAY).codes
    old = _inputs(condition(ICD10, "F11.20") | {"recordedDate": "2022-06-01"})
    assert "OUD_OFFER_MOUD" not in assess(old.data, today=TODAY).codes


def test_unknown_age_runs_the_rules_with_a_note() -> None:
    inputs = assessment_input_from_fhir(
        patient=None,
        resources=[],
        draft_orders=[request(dose={"value": 6, "unit": "tablet"})],
        today=TODAY,
    )
    assessment = assess(inputs.data, today=TODAY)
    assert inputs.data.patient.age is None
    assert not assessment.exclusion_reasons
    assert "MME_GE_50" in assessment.codes or "MME_GE_90" in assessment.codes
    assert assessment.notes
