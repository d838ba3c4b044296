"""The generated cohort, before any database: determinism and clinical plausibility."""

import json
from collections import Counter
from datetime import date, timedelta
from importlib import resources

import pytest

from painpath.demo import staff
from painpath.demo.cohort import Cohort, generate_cohort, names
from painpath.demo.conditions import COMORBIDITIES, KNEE_OA_CODES, PAIN_DIAGNOSES
from painpath.demo.medications import OPIOID_REGIMENS
from painpath.demo.observations import DAYS, PEG, PHQ_9, RANGES
from painpath.kit.clock import is_valid_time_zone
from painpath.models import AdministrativeGender
from painpath.monitoring import instruments
from painpath.terminology import check_icd10cm, check_loinc, formulary, lookup_rxnorm
from tests.demo.helpers import AS_OF

OPIOID_CODES = {sig.rxnorm_code for _, regimen, _ in OPIOID_REGIMENS for sig in regimen}


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return generate_cohort(seed=42, patients=40, as_of=AS_OF)


def test_the_same_seed_gives_the_same_cohort(cohort: Cohort) -> None:
    assert generate_cohort(seed=42, patients=40, as_of=AS_OF) == cohort


def test_another_seed_gives_another_cohort(cohort: Cohort) -> None:
    other = generate_cohort(seed=43, patients=40, as_of=AS_OF)
    assert [p.birth_date for p in other.patients] != [p.birth_date for p in cohort.patients]
    assert other.patients[5].observations != cohort.patients[5].observations


def test_a_smaller_cohort_is_the_start_of_a_larger_one(cohort: Cohort) -> None:
    assert generate_cohort(seed=42, patients=10, as_of=AS_OF).patients == cohort.patients[:10]


def test_demographics_are_plausible(cohort: Cohort) -> None:
    for patient in cohort.patients:
        age = AS_OF.year - patient.birth_date.year
        age -= (AS_OF.month, AS_OF.day) < (patient.birth_date.month, patient.birth_date.day)
        assert 25 <= age <= 85
        assert is_valid_time_zone(patient.time_zone)
        assert patient.time_zone.startswith("America/") or patient.time_zone == "Pacific/Honolulu"
    genders = Counter(patient.gender for patient in cohort.patients)
    assert genders[AdministrativeGender.female]
    assert genders[AdministrativeGender.male]
    assert len({p.time_zone for p in cohort.patients}) >= 4
    assert len({p.mrn for p in cohort.patients}) == len(cohort.patients)


def test_the_first_patients_have_the_demo_accounts(cohort: Cohort) -> None:
    for patient, family in zip(cohort.patients, staff.PATIENT_ACCOUNT_FAMILY_NAMES, strict=False):
        assert patient.family_name == family
        assert patient.account_username == staff.patient_username(family)
        assert patient.pharmacist_on_team
    assert all(p.account_username is None for p in cohort.patients[3:])
    assert {m.sig.rxnorm_code for m in cohort.patients[0].medications} & OPIOID_CODES


def test_every_patient_has_a_clinician_and_every_clinician_a_panel(cohort: Cohort) -> None:
    clinicians = {login.username for login in staff.CLINICIANS}
    panels: Counter[str] = Counter()
    for patient in cohort.patients:
        assert patient.clinicians
        assert set(patient.clinicians) <= clinicians
        assert len(set(patient.clinicians)) == len(patient.clinicians)
        panels.update(patient.clinicians)
    assert set(panels) == clinicians


def test_conditions_are_valid_icd10cm_with_onsets_in_adulthood(cohort: Cohort) -> None:
    known = {d.code for d in [*PAIN_DIAGNOSES.values(), *COMORBIDITIES.values()]}
    known |= {code for code, _ in KNEE_OA_CODES}
    for patient in cohort.patients:
        assert patient.conditions[0].key in PAIN_DIAGNOSES
        for condition in patient.conditions:
            assert check_icd10cm(condition.code) == condition.code
            assert condition.code in known
            assert patient.birth_date + timedelta(days=18 * 365) <= condition.onset_date
            assert condition.onset_date <= AS_OF
            if condition.abatement_date:
                assert condition.onset_date <= condition.abatement_date <= AS_OF
        keys = [condition.key for condition in patient.conditions]
        assert len(keys) == len(set(keys))


def test_medications_are_in_the_formulary_with_sane_sigs(cohort: Cohort) -> None:
    for patient in cohort.patients:
        for medication in patient.medications:
            sig = medication.sig
            drug = lookup_rxnorm(sig.rxnorm_code)
            assert drug is not None
            assert medication.display == drug.display
            assert sig.dose_value > 0
            assert sig.frequency >= 1
            assert sig.period > 0
            assert medication.start_date <= AS_OF
            if medication.end_date:
                assert medication.start_date <= medication.end_date <= AS_OF
            if sig.rxnorm_code == "4337":  # fentanyl patch
                assert (sig.dose_unit, sig.period, sig.period_unit.value) == ("ug/h", 72, "h")
                assert sig.route == "transdermal"


def test_every_regimen_uses_formulary_opioids() -> None:
    for _, regimen, _ in OPIOID_REGIMENS:
        for sig in regimen:
            assert formulary().drugs[sig.rxnorm_code].drug_class == "opioid"


def test_observations_are_in_range_and_identified_once(cohort: Cohort) -> None:
    first_day = AS_OF - timedelta(days=DAYS + 1)
    for patient in cohort.patients:
        client_ids = [row["client_id"] for row in patient.observations]
        assert len(client_ids) == len(set(client_ids))
        per_code = Counter(row["loinc_code"] for row in patient.observations)
        for code, number in per_code.items():
            assert check_loinc(code) == code
            assert number <= DAYS
        for row in patient.observations:
            low, high = RANGES[row["loinc_code"]]
            assert low <= row["value"] <= high
            assert row["source_device"]
            assert first_day.isoformat() <= row["effective_at"].date().isoformat()
            assert row["effective_at"].date() <= AS_OF + timedelta(days=1)
            if row["effective_end"] is not None:
                assert row["effective_end"] > row["effective_at"]


def test_observations_have_gaps(cohort: Cohort) -> None:
    pain_days = [
        sum(row["loinc_code"] == "72514-3" for row in p.observations) for p in cohort.patients
    ]
    assert all(days > DAYS // 2 for days in pain_days)
    assert any(days < DAYS for days in pain_days)
    assert any(
        not any(r["loinc_code"] == "55423-8" for r in p.observations) for p in cohort.patients
    )


def test_questionnaires_hold_item_answers_and_the_engines_score(cohort: Cohort) -> None:
    seen = Counter[str]()
    for patient in cohort.patients:
        for response in patient.questionnaires:
            answers = response["answers"]
            if response["questionnaire"] == PEG:
                assert len(answers) == 3
                assert all(0 <= a <= 10 for a in answers)
            else:
                assert response["questionnaire"] == PHQ_9
                assert len(answers) == 9
                assert all(0 <= a <= 3 for a in answers)
            scored = instruments.score(response["questionnaire"], answers)
            assert response["score"] == scored.as_json()
            assert response["total_score"] == scored.score
            seen[response["questionnaire"]] += 1
    assert seen[PEG] > len(cohort.patients) * 4
    assert seen[PHQ_9] > len(cohort.patients) * 4


def test_the_demo_stores_questionnaires_under_the_catalogs_ids(cohort: Cohort) -> None:
    """Issue 8 item 1: the demo stored PEG responses as `peg-3`, an id the catalog did not
    know, and every staff patient summary answered 500."""
    stored = {r["questionnaire"] for p in cohort.patients for r in p.questionnaires}
    assert stored == {PEG, PHQ_9}
    assert {instruments.definition(name).id for name in stored} == stored


def test_a_leap_day_timeline_works() -> None:
    cohort = generate_cohort(seed=1, patients=5, as_of=date(2028, 2, 29))
    assert all(patient.birth_date.year <= 2003 for patient in cohort.patients)


def test_the_names_table_is_sourced_and_has_no_repeats() -> None:
    raw = json.loads(resources.files("painpath.demo").joinpath("data/names.json").read_text())
    assert raw["source"]
    assert raw["version"]
    assert raw["retrieved"]
    table = names()
    for pool in (table.female, table.male, table.other, table.family):
        assert len(pool) == len(set(pool)) >= 10
        assert all(name.isalpha() and name[0].isupper() for name in pool)
