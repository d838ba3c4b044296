"""What the opioid engine reads: patient facts, medications with their sigs, and UDT results.

Two ways to give a dose. The simple JSON form (`mg_per_dose` × `doses_per_day`, or
`patch_mcg_per_h`) is for people and the CLI; the structured form (`dosage`: a list of
`DosageLine`, close to FHIR Dosage) is what a FHIR mapper fills from `dosageInstruction`. Malformed
values (negative doses, unknown fields, wrong types) are validation errors naming the field; a
medication that is well-formed but incomplete (no dose, no strength) is accepted and reported
as "cannot compute" by the MME step.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DrugClass(StrEnum):
    """Class of a medication's primary ingredient (the names of painpath's formulary, plus
    `other`)."""

    analgesic = "analgesic"
    anticonvulsant = "anticonvulsant"
    antidepressant = "antidepressant"
    antiemetic = "antiemetic"
    barbiturate = "barbiturate"
    benzodiazepine = "benzodiazepine"
    gabapentinoid = "gabapentinoid"
    general_anesthetic = "general_anesthetic"
    muscle_relaxant = "muscle_relaxant"
    nsaid = "nsaid"
    opioid = "opioid"
    opioid_antagonist = "opioid_antagonist"
    sedative_hypnotic = "sedative_hypnotic"
    snri = "snri"
    ssri = "ssri"
    stimulant = "stimulant"
    sympathomimetic = "sympathomimetic"
    tricyclic = "tricyclic"
    triptan = "triptan"
    other = "other"


class Route(StrEnum):
    """How the medication is taken. CDC's factors are for oral forms and fentanyl patches."""

    oral = "oral"
    transdermal = "transdermal"
    buccal = "buccal"  # buccal tablets and films, oromucosal sprays
    sublingual = "sublingual"  # sublingual tablets and films
    nasal = "nasal"
    parenteral = "parenteral"
    rectal = "rectal"
    other = "other"


class DoseUnit(StrEnum):
    """Unit of one administered dose: a mass, a volume, a count of units (tablet, capsule) or
    a number of patches worn at once."""

    mg = "mg"
    mcg = "mcg"
    ml = "mL"
    unit = "unit"
    patch = "patch"


PeriodUnit = Literal["s", "min", "h", "d", "wk", "mo", "a"]
#: No dose, strength, rate or count in a sig reaches a million: finite bounds keep MME finite.
MAX_AMOUNT = 1_000_000
Positive = Annotated[float, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
DaysInMonth = Annotated[int, Field(ge=0, le=30)]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class DosageLine(BaseModel):
    """One line of a sig, as FHIR `Dosage` gives it.

    Lines with the same `sequence` (or none) apply together and are summed (an AM and a PM dose);
    different sequences follow one another (a taper) and the highest daily total counts. Within a
    line the most aggressive reading is taken: `dose_high` over `dose`, `frequency_max` over
    `frequency`, `period` (the short end) over `period_max`.
    """

    model_config = _STRICT

    dose: Positive | None = None
    dose_high: Positive | None = None  # doseRange.high
    dose_unit: DoseUnit = DoseUnit.mg
    frequency: Annotated[int, Field(gt=0, le=MAX_AMOUNT)] | None = None
    frequency_max: Annotated[int, Field(gt=0, le=MAX_AMOUNT)] | None = None
    period: Positive | None = None
    period_max: Positive | None = None
    period_unit: PeriodUnit = "d"
    # count of timing.repeat.timeOfDay entries
    times_of_day: Annotated[int, Field(ge=0, le=MAX_AMOUNT)] = 0
    doses_per_day: Positive | None = None  # when the caller already knows it
    sequence: int | None = None
    prn: bool = False


class Medication(BaseModel):
    """One active or ordered medication."""

    model_config = _STRICT

    ingredient: Annotated[str, Field(min_length=1)]
    drug_class: DrugClass
    id: str | None = None  # caller's reference (e.g. the MedicationRequest id), echoed back
    name: str | None = None  # display name, e.g. "oxycodone 5 MG Oral Tablet"
    route: Route | None = None  # None: oral, or transdermal when patch_mcg_per_h is given
    # what it is prescribed for, when the order says (FHIR reasonCode / reasonReference, or a
    # dispense by an opioid treatment program); decides whether it counts as MOUD (rec 12)
    indication: Literal["pain", "opioid_use_disorder"] | None = None
    extended_release: bool | None = None
    prn: bool = False
    days_supply: NonNegative | None = None
    pain_duration: Literal["acute", "subacute", "chronic"] | None = None
    # simple form
    mg_per_dose: Positive | None = None
    doses_per_day: Positive | None = None
    patch_mcg_per_h: Positive | None = None
    # structured form (strengths say what one unit or one mL holds)
    dosage: tuple[DosageLine, ...] | None = None
    strength_mg_per_unit: Positive | None = None
    strength_mg_per_ml: Positive | None = None

    @model_validator(mode="after")
    def _one_dose_form(self) -> Self:
        if self.dosage is not None and (self.mg_per_dose or self.doses_per_day):
            raise ValueError("give mg_per_dose/doses_per_day or dosage, not both")
        return self

    @property
    def ingredient_key(self) -> str:
        return self.ingredient.strip().lower()

    @property
    def effective_route(self) -> Route:
        if self.route is not None:
            return self.route
        if self.patch_mcg_per_h is not None:
            return Route.transdermal
        return Route.oral

    @property
    def is_prn(self) -> bool:
        """As needed: flagged on the medication, or on every line of its sig."""
        return self.prn or bool(self.dosage and all(line.prn for line in self.dosage))

    @property
    def is_opioid(self) -> bool:
        return self.drug_class is DrugClass.opioid


class UdtResult(BaseModel):
    """One urine drug test result for one substance (amphetamine, opiate, oxycodone, …)."""

    model_config = _STRICT

    substance: str
    result: Literal["positive", "negative"]
    date: date


class Patient(BaseModel):
    """Facts about the patient the rules need; unknown (None) facts never fire a rule.

    `age` must be given but may be None (unknown): the under-18 exclusion is then not checked,
    the rules still run and the assessment says so in its notes.
    """

    model_config = _STRICT

    age: Annotated[int, Field(ge=0, le=130)] | None
    sex: Literal["female", "male"] | None = None
    opioid_naive: bool | None = None
    active_cancer_treatment: bool = False
    palliative_or_hospice: bool = False  # palliative care, hospice or end of life
    sickle_cell: bool = False
    oud_or_sud_history: bool = False
    opioid_use_disorder: bool = False
    overdose_history: bool = False
    active_naloxone_rescue_rx: bool = False
    long_term_opioid_therapy: bool | None = None  # None: inferred from the medications
    last_udt_date: date | None = None
    last_pdmp_review_date: date | None = None
    last_benefit_risk_review_date: date | None = None
    # Rec 7 (benefit-risk review): days on opioids, from collapsed prescription intervals.
    # None: not known; when both counts are None rec 7 falls back to long-term therapy.
    opioid_days_last_10_days: Annotated[int, Field(ge=0, le=10)] | None = None
    opioid_days_last_3_months: tuple[DaysInMonth, DaysInMonth, DaysInMonth] | None = (
        None  # 30-day months, most recent first
    )
    office_visit_last_12_months: bool | None = None
    # Rec 2 (maximize non-opioid therapies): by the clinician ordering the opioid.
    last_pain_treatment_plan_date: date | None = None
    last_pain_management_procedure_date: date | None = None
    # Rec 12 (offer MOUD): when the OUD diagnosis was recorded (None: not known, not limited)
    # and the latest MOUD prescription, active or completed (painpath.opioids.moud decides
    # which formulations count).
    opioid_use_disorder_recorded_date: date | None = None
    last_moud_rx_date: date | None = None


class AssessmentInput(BaseModel):
    """The whole JSON input form of `painpath opioids assess` (see docs/opioids.md)."""

    model_config = _STRICT

    patient: Patient
    medications: tuple[Medication, ...] = ()
    udt_results: tuple[UdtResult, ...] = ()
