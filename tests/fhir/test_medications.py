"""FHIR medication resources → engine `Medication`: codes, sigs, supply, category, notes."""

from __future__ import annotations

from datetime import date
from typing import Any

from painpath.fhir import assessment_input_from_fhir
from painpath.fhir.dosage import dosage_line
from painpath.fhir.medications import map_medication, supply_days
from painpath.opioids import Route, assess
from tests.fhir.builders import FENTANYL_75_PATCH, concept, patient, request, sig

TODAY = date(2023, 5, 1)


def _draft(resource: dict[str, Any], *chart: Any) -> Any:
    return assessment_input_from_fhir(
        patient=patient(), resources=list(chart), draft_orders=[resource], today=TODAY
    )


def test_tablet_order_maps_to_a_counted_medication() -> None:
    inputs = _draft(request(dose={"value": 2, "unit": "tablet", "code": "{tbl}"}))
    (medication,) = inputs.data.medications
    assert inputs.draft_indexes == (0,)
    assert (medication.ingredient, medication.strength_mg_per_unit) == ("oxycodone", 5.0)
    assert medication.days_supply == 30
    assessment = assess(inputs.data, today=TODAY)
    assert assessment.mme.total == 60  # 2 × 5 mg × 4/day × 1.5
    assert not inputs.notes


def test_patch_is_transdermal_and_counts_by_mcg_per_hour() -> None:
    order = request(
        FENTANYL_75_PATCH,
        dose={"value": 1, "unit": "patch", "code": "{patch}"},
        repeat={"frequency": 1, "period": 3, "periodUnit": "d"},
    )
    inputs = _draft(order)
    (medication,) = inputs.data.medications
    assert medication.effective_route is Route.transdermal
    assert assess(inputs.data, today=TODAY).mme.total == 180


def test_dose_range_prn_takes_the_most_aggressive_reading() -> None:
    dosage = sig(frequency=1, frequencyMax=2, period=4, periodMax=6, periodUnit="h")
    dosage["asNeededBoolean"] = True
    dosage["doseAndRate"] = [
        {"doseRange": {"low": {"value": 1}, "high": {"value": 2, "code": "{tbl}"}}}
    ]
    line, problem = dosage_line(dosage)
    assert problem is None
    assert line is not None
    assert (line.dose, line.frequency_max, line.period, line.prn) == (2.0, 2, 4.0, True)


def test_stu3_dose_quantity_and_ordered_dose_rate_are_read() -> None:
    stu3 = sig(frequency=2, period=1, periodUnit="d") | {
        "doseQuantity": {"value": 10, "code": "mg"}
    }
    line, _ = dosage_line(stu3)
    assert line is not None
    assert (line.dose, line.dose_unit) == (10.0, "mg")
    typed = sig(frequency=1, period=1, periodUnit="d") | {
        "doseAndRate": [
            {"type": concept("x", "calculated"), "doseQuantity": {"value": 99, "code": "mg"}},
            {"type": concept("x", "ordered"), "doseQuantity": {"value": 5, "code": "mg"}},
        ]
    }
    line, _ = dosage_line(typed)
    assert line is not None
    assert line.dose == 5.0


def test_unparseable_sig_is_cannot_compute_with_a_reason() -> None:
    order = request(dose={"value": 1, "code": "{puff-of-smoke}"})
    inputs = _draft(order)
    assessment = assess(inputs.data, today=TODAY)
    assert assessment.mme.total is None or not assessment.mme.is_complete
    assert "MME_NOT_COMPUTABLE" in assessment.codes
    assert any("not understood" in note for note in inputs.notes)


def test_missing_dose_is_cannot_compute_not_zero() -> None:
    order = request()
    del order["dosageInstruction"][0]["doseAndRate"]
    inputs = _draft(order)
    assessment = assess(inputs.data, today=TODAY)
    assert "MME_NOT_COMPUTABLE" in assessment.codes
    assert any("no dose quantity" in note for note in inputs.notes)


def test_unknown_rxnorm_code_is_noted_and_never_counted() -> None:
    inputs = _draft(request("999999999"))
    (medication,) = inputs.data.medications
    assert medication.drug_class.value == "other"
    assert any("999999999" in note and "not in the formulary" in note for note in inputs.notes)


def test_inpatient_draft_is_left_out_and_said_so() -> None:
    inputs = _draft(request(category="inpatient"))
    assert inputs.data.medications == ()
    assert inputs.draft_indexes == ()
    assert any("inpatient" in note for note in inputs.notes)


def test_supply_from_validity_period_and_dispense_days_supply() -> None:
    order = request(supply_days=None)
    order["dispenseRequest"] = {
        "validityPeriod": {"start": "2023-05-01T00:00:00-06:00", "end": "2023-05-31T00:00:00-07:00"}
    }
    assert supply_days(order) == 30
    dispense = {"resourceType": "MedicationDispense", "daysSupply": {"value": 2, "unit": "wk"}}
    assert supply_days(dispense) == 14


def test_medication_reference_resolves_to_a_supplied_or_contained_medication() -> None:
    order = request()
    del order["medicationCodeableConcept"]
    order["medicationReference"] = {"reference": "Medication/m1"}
    medication = {"resourceType": "Medication", "id": "m1", "code": order_code()}
    mapped = map_medication(order, {"m1": medication})
    assert mapped.medication.ingredient == "oxycodone"
    order["contained"] = [dict(medication, id="m2")]
    order["medicationReference"] = {"reference": "#m2"}
    assert map_medication(order, {}).medication.ingredient == "oxycodone"
    order["medicationReference"] = {"reference": "Medication/absent"}
    assert any("could not be resolved" in n for n in map_medication(order, {}).notes)


def order_code() -> dict[str, Any]:
    code: dict[str, Any] = request()["medicationCodeableConcept"]
    return code


def test_statement_and_dispense_are_mapped_too() -> None:
    statement = request(rid="s") | {
        "resourceType": "MedicationStatement",
        "effectiveDateTime": "2023-04-01",
    }
    statement["dosage"] = statement.pop("dosageInstruction")
    del statement["authoredOn"]
    mapped = map_medication(statement, {})
    assert mapped.medication.ingredient == "oxycodone"
    assert mapped.started == date(2023, 4, 1)
    assert mapped.medication.dosage is not None
    dispense = request(rid="d") | {
        "resourceType": "MedicationDispense",
        "status": "completed",
        "whenHandedOver": "2023-04-20",
        "daysSupply": {"value": 30, "unit": "d"},
    }
    del dispense["authoredOn"], dispense["dispenseRequest"]
    inputs = _draft(request(), dispense)
    assert [m.ingredient for m in inputs.data.medications] == ["oxycodone", "oxycodone"]
    assert inputs.data.patient.opioid_naive is False
