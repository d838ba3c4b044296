"""Patient facts from the chart, as of `today`: age, opioid-naive, exclusions, UDT, PDMP, …"""

from __future__ import annotations

from datetime import date
from typing import Any

from painpath.fhir import assessment_input_from_fhir, flatten
from painpath.fhir.history import days_covered, opioid_intervals
from painpath.fhir.medications import map_medication
from painpath.opioids import Patient
from tests.fhir.builders import (
    ALPRAZOLAM_0_5_MG,
    LOINC,
    SNOMED,
    concept,
    condition,
    patient,
    request,
)

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
TODAY = date(2023, 5, 1)


def _patient(*chart: Any, who: dict[str, Any] | None = None) -> Patient:
    inputs = assessment_input_from_fhir(
        patient=who or patient(), resources=list(chart), draft_orders=[request()], today=TODAY
    )
    return inputs.data.patient


def test_prefetch_shapes_are_flattened() -> None:
    rx = request()
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": rx}]}
    entry = {"response": {"status": "200"}, "resource": rx}
    assert list(flatten([None, rx, bundle, entry, {"resourceType": "Bundle"}])) == [rx, rx, rx]


def test_age_from_birth_date_and_missing_birth_date_is_unknown_and_noted() -> None:
    assert _patient(who=patient("2005-05-02")).age == 17
    assert _patient(who=patient("2005-05-01")).age == 18
    inputs = assessment_input_from_fhir(patient=None, resources=[], draft_orders=[], today=TODAY)
    assert inputs.data.patient.age is None
    assert any("birthDate" in n for n in inputs.notes)


def test_opioid_naive_window_is_90_days_to_yesterday() -> None:
    assert _patient().opioid_naive is True
    assert _patient(request(authored="2023-03-01", rid="old")).opioid_naive is False
    assert _patient(request(authored="2023-01-15", rid="older")).opioid_naive is True
    assert _patient(request(authored="2023-05-01", rid="today")).opioid_naive is True
    inpatient = request(authored="2023-03-01", category="inpatient", rid="ip")
    assert _patient(inpatient).opioid_naive is True


def test_sickle_cell_any_status_and_end_of_life() -> None:
    assert _patient(condition(ICD10, "D57.00", status="resolved")).sickle_cell
    assert _patient(condition(ICD10, "C25.0")).palliative_or_hospice
    assert not _patient(condition(ICD10, "C25.0", status="inactive")).palliative_or_hospice
    hospice = {
        "resourceType": "Encounter",
        "period": {"start": "2023-01-01"},
        "hospitalization": {"dischargeDisposition": concept(SNOMED, "385763009")},
    }
    assert _patient(hospice).palliative_or_hospice


def test_active_cancer_needs_two_encounters_in_a_year_or_a_problem_list_entry() -> None:
    def encounter(eid: str, day: str) -> dict[str, Any]:
        return {"resourceType": "Encounter", "id": eid, "period": {"start": day}}

    dx = [condition(ICD10, "C50.911", category="encounter-diagnosis", encounter=e) for e in "ab"]
    one = [encounter("a", "2023-01-01"), dx[0]]
    assert not _patient(*one).active_cancer_treatment
    two = [encounter("a", "2023-01-01"), encounter("b", "2023-03-01"), *dx]
    assert _patient(*two).active_cancer_treatment
    stale = [encounter("a", "2021-01-01"), encounter("b", "2023-03-01"), *dx]
    assert not _patient(*stale).active_cancer_treatment
    assert _patient(condition(ICD10, "C50.911")).active_cancer_treatment


def test_oud_and_substance_misuse_history() -> None:
    oud = _patient(condition(ICD10, "F11.20"))
    assert oud.opioid_use_disorder
    assert oud.oud_or_sud_history
    alcohol = _patient(condition(ICD10, "F10.20", status="resolved"))
    assert alcohol.oud_or_sud_history
    assert not alcohol.opioid_use_disorder


def _udt(code: str, interpretation: str, day: str = "2023-02-01") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": concept(LOINC, code),
        "effectiveDateTime": day,
        "interpretation": [
            concept(
                "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", interpretation
            )
        ],
    }


def test_udt_results_per_substance_case_insensitive() -> None:
    inputs = assessment_input_from_fhir(
        patient=patient(),
        resources=[
            _udt("14314-9", "POS"),
            _udt("16249-5", "Neg"),
            _udt("14314-9", "POS", "2021-01-01"),
        ],
        draft_orders=[],
        today=TODAY,
    )
    results = {(r.substance, r.result) for r in inputs.data.udt_results}
    assert results == {("cocaine", "positive"), ("oxycodone", "negative")}
    assert inputs.data.patient.last_udt_date == date(2023, 2, 1)


def test_pdmp_review_and_benefit_risk_assessment_dates() -> None:
    pdmp = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": concept(SNOMED, "461621000124108"),
        "performedDateTime": "2023-04-01",
    }
    review = pdmp | {"code": concept(SNOMED, "454281000124100"), "performedDateTime": "2023-03-01"}
    facts = _patient(pdmp, review)
    assert facts.last_pdmp_review_date == date(2023, 4, 1)
    assert facts.last_benefit_risk_review_date == date(2023, 3, 1)


def test_naloxone_on_file_and_benzodiazepine_are_active_medications() -> None:
    benzo = request(ALPRAZOLAM_0_5_MG, rid="benzo", authored="2023-04-01")
    inputs = assessment_input_from_fhir(
        patient=patient(), resources=[benzo], draft_orders=[request()], today=TODAY
    )
    assert [m.ingredient for m in inputs.data.medications] == ["alprazolam", "oxycodone"]
    assert inputs.draft_indexes == (1,)


def test_days_on_opioids_collapses_overlapping_prescriptions() -> None:
    history = [
        map_medication(request(authored="2023-04-01", supply_days=10, rid="a"), {}),
        map_medication(request(authored="2023-04-05", supply_days=10, rid="b"), {}),
    ]
    intervals = opioid_intervals(history)
    assert intervals == [(date(2023, 4, 1), date(2023, 4, 14))]
    assert days_covered(intervals, date(2023, 4, 10), date(2023, 4, 30)) == 5


def test_long_term_use_from_seven_of_ten_days_with_an_office_visit() -> None:
    prior = request(authored="2023-04-21", supply_days=10, rid="prior")
    visit = {
        "resourceType": "Encounter",
        "type": [concept(SNOMED, "185463005")],
        "period": {"start": "2023-04-20"},
    }
    assert _patient(prior, visit).long_term_opioid_therapy is True
    assert _patient(prior).long_term_opioid_therapy is None


def test_finding_12_patient_reported_drug_screens_are_not_udt_results() -> None:
    """Issue 10 item 12: a drug screen the patient reports (performer Patient/…, or category
    survey) is what the patient says, not a lab result: no UDT result, no UDT date."""
    by_patient = _udt("16249-5", "Neg") | {"performer": [{"reference": "Patient/1"}]}
    survey = _udt("14314-9", "Neg") | {
        "category": [
            concept("http://terminology.hl7.org/CodeSystem/observation-category", "survey")
        ]
    }
    inputs = assessment_input_from_fhir(
        patient=patient(), resources=[by_patient, survey], draft_orders=[], today=TODAY
    )
    assert inputs.data.udt_results == ()
    assert inputs.data.patient.last_udt_date is None
    lab = _udt("16249-5", "Neg") | {"performer": [{"reference": "Organization/lab"}]}
    inputs = assessment_input_from_fhir(
        patient=patient(), resources=[lab], draft_orders=[], today=TODAY
    )
    assert [(r.substance, r.result) for r in inputs.data.udt_results] == [("oxycodone", "negative")]
