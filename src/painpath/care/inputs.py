"""What `painpath care suggest` reads: the patient facts, as a validated pydantic model.

Names and codes are checked against the care vocabulary (labs, problems, scores), the condition
catalogue, painpath's formulary and the PGx gene list: anything unknown is refused with the field
and the name, never ignored. Lab values outside their plausible range are refused too. The JSON
Schema of this model ships as `request.schema.json` (docs/care.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from painpath.care.codes import condition_for, problem_for
from painpath.care.knowledge import knowledge
from painpath.care.medicines import UnknownMedicine, implausible_dose, read_medicine
from painpath.opioids import Medication
from painpath.pgx.genes import Gene
from painpath.pgx.outside_calls import gene_result, parse_call

Profile = Literal["US", "UK"]


class TherapyOutcome(StrEnum):
    """How a therapy the patient had ended: the one vocabulary for requests, the stored
    therapies tried (`care_therapies_tried.outcome`) and the API."""

    inadequate_response = "inadequate_response"
    intolerance = "intolerance"
    loss_of_response = "loss_of_response"
    contraindicated = "contraindicated"


#: the longest therapy course a record may state (20 years)
MAX_TRIAL_WEEKS = 1040
THERAPY_ID_MAX = 60
LabValue = float | Literal["positive", "negative", "indeterminate"]
_STRICT = ConfigDict(extra="forbid", frozen=True)


class Tried(BaseModel):
    """A therapy the patient has had, and how it ended."""

    model_config = _STRICT

    therapy: Annotated[str, Field(min_length=1, max_length=THERAPY_ID_MAX)]
    outcome: TherapyOutcome
    weeks: Annotated[int, Field(ge=0, le=MAX_TRIAL_WEEKS)] | None = None

    @field_validator("therapy")
    @classmethod
    def _known_therapy(cls, value: str) -> str:
        if value not in knowledge().therapies:
            raise ValueError(f"unknown therapy {value!r} (see docs/care.md for the ids)")
        return value


def _medicine_form(value: Any) -> str:
    """A medicine is either free text ("oxycodone ER 20 mg BID") or an `opioids assess` object."""
    return "text" if isinstance(value, str) else "object"


#: One current medicine; errors name the form that was sent (`current_meds.0.object.…`).
CurrentMedicine = Annotated[
    Annotated[Annotated[str, Field(min_length=1, max_length=200)], Tag("text")]
    | Annotated[Medication, Tag("object")],
    Discriminator(_medicine_form),
]


class CareRequest(BaseModel):
    """One patient's facts for care suggestions (docs/care.md)."""

    model_config = _STRICT

    condition: Annotated[str, Field(min_length=1, max_length=40)]
    jurisdiction: Profile | None = None
    age: Annotated[int, Field(ge=0, le=130)] | None = None
    sex: Literal["female", "male"] | None = None
    pregnant: bool = False
    planning_pregnancy: bool = False
    breastfeeding: bool = False
    labs: Annotated[dict[Annotated[str, Field(max_length=40)], LabValue], Field(max_length=40)] = (
        Field(default_factory=dict)
    )
    problems: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=60)]], Field(max_length=100)
    ] = Field(default_factory=list)
    current_meds: Annotated[
        list[CurrentMedicine],
        Field(max_length=60),
    ] = Field(default_factory=list)
    genotype: Annotated[dict[Annotated[str, Field(max_length=20)], str], Field(max_length=20)] = (
        Field(default_factory=dict)
    )
    scores: Annotated[dict[Annotated[str, Field(max_length=40)], float], Field(max_length=30)] = (
        Field(default_factory=dict)
    )
    tried: Annotated[list[Tried], Field(max_length=100)] = Field(default_factory=list)

    @field_validator("condition")
    @classmethod
    def _known_condition(cls, value: str) -> str:
        found = condition_for(value)
        if found is None:
            known = ", ".join(sorted(knowledge().conditions))
            raise ValueError(
                f"unknown condition {value!r}: give a painpath id ({known}),"
                " an ICD-10-CM or a SNOMED CT code"
            )
        return found

    @field_validator("problems")
    @classmethod
    def _known_problems(cls, values: list[str]) -> list[str]:
        ids = []
        unknown = []
        for value in values:
            found = problem_for(value)
            if found is None:
                unknown.append(value[:40])
            else:
                ids.append(found)
        if unknown:
            raise ValueError(f"unknown problem {', '.join(map(repr, unknown))} (see docs/care.md)")
        return list(dict.fromkeys(ids))

    @field_validator("labs")
    @classmethod
    def _known_labs(cls, values: dict[str, LabValue]) -> dict[str, LabValue]:
        labs = knowledge().labs
        by_name = {n.lower(): lid for lid, lab in labs.items() for n in (lid, *lab.names)}
        checked: dict[str, LabValue] = {}
        for name, value in values.items():
            lid = by_name.get(name.strip().lower())
            if lid is None:
                raise ValueError(f"unknown lab {name[:40]!r} (see docs/care.md)")
            lab = labs[lid]
            if lab.qualitative != isinstance(value, str):
                kind = "positive, negative or indeterminate" if lab.qualitative else "a number"
                raise ValueError(f"{name}: give {kind}, not {value!r}")
            if isinstance(value, float | int) and not (
                lab.minimum is not None
                and lab.maximum is not None
                and lab.minimum <= value <= lab.maximum
            ):
                raise ValueError(
                    f"{name} {value:g} is impossible (expected {lab.minimum:g}-{lab.maximum:g}"
                    f" {lab.unit})"
                )
            checked[lid] = value
        return checked

    @field_validator("scores")
    @classmethod
    def _known_scores(cls, values: dict[str, float]) -> dict[str, float]:
        scores = knowledge().scores
        checked = {}
        for name, value in values.items():
            key = name.strip().lower().replace("-", "").replace(" ", "_")
            score = scores.get(key)
            if score is None:
                raise ValueError(f"unknown score {name[:40]!r} (see docs/care.md)")
            if not score.minimum <= value <= score.maximum:
                raise ValueError(
                    f"{name} {value:g} is impossible (expected {score.minimum:g}-{score.maximum:g})"
                )
            checked[key] = value
        return checked

    @field_validator("current_meds")
    @classmethod
    def _known_meds(cls, values: list[str | Medication]) -> list[str | Medication]:
        unknown = []
        for index, value in enumerate(values):
            try:
                found = read_medicine(value if isinstance(value, str) else value.ingredient)
            except UnknownMedicine as error:
                if isinstance(value, str) and "above 0" in str(error):
                    raise ValueError(str(error)) from None
                unknown.append(value if isinstance(value, str) else value.ingredient)
                continue
            medication = found.medication if isinstance(value, str) else value
            problem = implausible_dose(medication)
            if problem:
                raise ValueError(f"item {index} ({found.text[:60]!r}): {problem}")
        if unknown:
            names = ", ".join(repr(u[:60]) for u in unknown)
            raise ValueError(f"unknown medicine {names} (not in painpath's formulary)")
        return values

    @field_validator("genotype")
    @classmethod
    def _known_genes(cls, values: dict[str, str]) -> dict[str, str]:
        checked = {}
        for name, text in values.items():
            try:
                gene = Gene(name.strip().upper())
            except ValueError:
                known = ", ".join(g.value for g in Gene)
                raise ValueError(
                    f"unknown gene {name[:20]!r} (painpath interprets {known})"
                ) from None
            if not text.strip() or len(text) > 100:
                raise ValueError(f"{gene.value}: give a diplotype, phenotype or activity score")
            try:
                gene_result(parse_call(gene, text))
            except ValueError as error:
                raise ValueError(f"{gene.value}: {error}") from None
            checked[gene.value] = text.strip()
        return checked


def parse_request(document: object) -> CareRequest:
    """Validate the JSON input; raises pydantic's ValidationError naming each bad field."""
    return CareRequest.model_validate(document)
