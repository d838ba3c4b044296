"""PGx uploads and reports: what the API takes and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from painpath.schemas.base import InputModel, OutputModel
from painpath.schemas.clinical import GenotypeRead

# A TSV cell: no tabs or line breaks (they would start another column or line).
_CELL = r"^[^\t\r\n\x00]*$"
Cell = Annotated[str, StringConstraints(max_length=100, pattern=_CELL)]
GeneName = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=_CELL)]
MedicineName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f,]+$")
]
MAX_MEDICINES = 50
MAX_LAB_CALLS = 50


class LabCallIn(InputModel):
    """One gene as the lab reported it: any of diplotype, phenotype and activity score."""

    gene: GeneName
    diplotype: Cell | None = None
    phenotype: Cell | None = None
    activity_score: float | Cell | None = None

    def tsv_line(self) -> str:
        score = "" if self.activity_score is None else str(self.activity_score)
        return "\t".join([self.gene, self.diplotype or "", self.phenotype or "", score])


class LabCallsIn(InputModel):
    """Lab calls as JSON (the same content as an outside-call TSV sent as text/plain)."""

    calls: Annotated[list[LabCallIn], Field(min_length=1, max_length=MAX_LAB_CALLS)]
    meds: Annotated[list[MedicineName], Field(default_factory=list, max_length=MAX_MEDICINES)]
    filename: Annotated[str, StringConstraints(max_length=255, pattern=_CELL)] | None = None

    def tsv(self) -> str:
        return "".join(call.tsv_line() + "\n" for call in self.calls)


class PgxReportSummary(OutputModel):
    id: int
    patient_id: int
    source_kind: str
    filename: str | None
    sha256: str
    sample_id: str
    build: str | None
    meds: list[str]
    knowledge_version: str
    uploaded_by: int | None
    created_at: datetime


class PgxReportRead(PgxReportSummary):
    #: The engine's document, schema painpath.pgx.report/1.
    report: dict[str, Any]


class MedicineRead(BaseModel):
    medication_request_id: int
    rxnorm_code: str
    display: str
    ingredients: list[str]


class CurrentPgxRead(BaseModel):
    """Stored genotypes read against the patient's active prescriptions."""

    patient_id: int
    genotypes: list[GenotypeRead]
    medications: list[MedicineRead]
    #: Ingredients of the active prescriptions with PGx guidance: `advice` covers these.
    drugs: list[str]
    knowledge: dict[str, Any]
    genes: dict[str, Any]
    advice: dict[str, Any]
    medication_review: dict[str, Any]
    notes: list[str]
    latest_report: PgxReportSummary | None
