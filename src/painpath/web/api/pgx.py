"""A patient's pharmacogenomics: upload a VCF or lab calls, read reports and the current advice.

Uploads read their body in a dependency declared after the access check, so a caller without
`genotype:write` on the patient is refused (and audited) before any of the body is read. The
VCF is streamed to a private temporary directory, removed before the response is sent.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from painpath.auth.permissions import Permission
from painpath.pgx.build import GenomeBuild
from painpath.schemas.base import MAX_ROW_ID, Page, storable_text
from painpath.schemas.clinical import GenotypeRead
from painpath.schemas.pgx import (
    MAX_MEDICINES,
    CurrentPgxRead,
    LabCallsIn,
    MedicineRead,
    PgxReportRead,
    PgxReportSummary,
)
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput
from painpath.services.input_limits import input_limits
from painpath.services.pgx import current as pgx_current
from painpath.services.pgx import uploads as pgx
from painpath.web.deps import PageDep, SessionDep, SettingsDep, access
from painpath.web.uploads import ReceivedForm, UnsupportedMediaType, received_upload

router = APIRouter(prefix="/patients/{patient_id}/pgx", tags=["pharmacogenomics"])

Reader = Annotated[PatientAccess, access(Permission.genotype_read, "PgxReport")]
Writer = Annotated[PatientAccess, access(Permission.genotype_write, "PgxReport")]
GenotypeReader = Annotated[PatientAccess, access(Permission.genotype_read, "GenotypeResult")]
ReportId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)]
VCF_FIELDS = frozenset({"sample", "meds", "build"})
MAX_SAMPLE_ID = 255
MAX_MEDICINE_NAME = 100
TEXT_TYPES = ("text/plain", "text/tab-separated-values")
_LINE = re.compile(r"^line (\d+):")

VCF_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "VCF or BCF"},
                    "sample": {"type": "string", "description": "needed for multi-sample files"},
                    "meds": {"type": "string", "description": "co-prescribed, comma-separated"},
                    "build": {"type": "string", "enum": [b.value for b in GenomeBuild]},
                },
            }
        }
    },
}
LAB_CALLS_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "text/plain": {"schema": {"type": "string", "description": "outside-call TSV"}},
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["calls"],
                "properties": {
                    "calls": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["gene"],
                            "properties": {
                                "gene": {"type": "string"},
                                "diplotype": {"type": "string"},
                                "phenotype": {"type": "string"},
                                "activity_score": {"type": ["string", "number"]},
                            },
                        },
                    },
                    "meds": {"type": "array", "items": {"type": "string"}},
                    "filename": {"type": "string"},
                },
            }
        },
    },
}


def split_meds(text: str | None) -> list[str]:
    """Co-prescribed medicines, comma-separated ("duloxetine, paroxetine")."""
    names = list(dict.fromkeys(m.strip() for m in (text or "").split(",") if m.strip()))
    if len(names) > MAX_MEDICINES:
        raise InvalidInput(f"at most {MAX_MEDICINES} medicines", field="meds")
    for name in names:
        if len(name) > MAX_MEDICINE_NAME or any(ord(char) < 32 for char in name):
            raise InvalidInput(f"not a medicine name: {name[:40]!r}", field="meds")
    return names


def _sample(text: str | None) -> str | None:
    sample = (text or "").strip()
    if len(sample) > MAX_SAMPLE_ID:
        raise InvalidInput(f"longer than {MAX_SAMPLE_ID} characters", field="sample")
    try:
        return storable_text(sample) or None
    except ValueError as error:
        raise InvalidInput(str(error), field="sample") from None


def _build(text: str | None) -> GenomeBuild | None:
    if not (text or "").strip():
        return None
    try:
        return GenomeBuild((text or "").strip())
    except ValueError:
        builds = " or ".join(b.value for b in GenomeBuild)
        raise InvalidInput(f"build must be {builds}", field="build") from None


async def vcf_form(request: Request, settings: SettingsDep) -> AsyncIterator[ReceivedForm]:
    """The multipart body, its file streamed into a private directory deleted afterwards."""
    async with received_upload(request, settings, text_fields=VCF_FIELDS) as form:
        yield form


# Function scope: the directory is gone before the response is sent.
VcfForm = Annotated[ReceivedForm, Depends(vcf_form, scope="function")]


@dataclass(frozen=True, slots=True)
class LabCallsUpload:
    text: str
    meds: list[str]
    filename: str | None
    from_json: bool


async def lab_calls_body(
    request: Request,
    meds: Annotated[str | None, Query(max_length=5000)] = None,
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> LabCallsUpload:
    """An outside-call TSV as text/plain, or the same calls as JSON (`LabCallsIn`)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if media_type == "application/json":
        try:
            body = LabCallsIn.model_validate_json(raw)
        except ValidationError as error:
            errors = error.errors(include_url=False, include_context=False)
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in errors]
            ) from None
        merged = list(dict.fromkeys([*body.meds, *split_meds(meds)]))
        return LabCallsUpload(body.tsv(), merged, body.filename or filename, True)
    if media_type not in TEXT_TYPES:
        raise UnsupportedMediaType("send the calls as text/plain (TSV) or application/json")
    try:
        text = storable_text(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the calls are not UTF-8 text", field="calls") from None
    return LabCallsUpload(text, split_meds(meds), filename, False)


LabCallsBody = Annotated[LabCallsUpload, Depends(lab_calls_body)]


@router.post(
    "/vcf",
    response_model=PgxReportRead,
    status_code=201,
    openapi_extra={"requestBody": VCF_UPLOAD_BODY},
)
def upload_vcf(
    grant: Writer, form: VcfForm, session: SessionDep, settings: SettingsDep, response: Response
) -> PgxReportRead:
    """Interpret a VCF/BCF (plain or bgzipped) and store the report and the genotypes.

    Fields: `file`, and optionally `sample` (needed when the file holds several), `meds`
    (co-prescribed medicines for phenoconversion, comma-separated) and `build` (GRCh37 or
    GRCh38; detected from the file otherwise). The same file with the same options again
    returns the stored report with 200.
    """
    if form.file is None:
        raise InvalidInput("attach the VCF or BCF as the form field `file`", field="file")
    report, created = pgx.store_vcf_report(
        session,
        access=grant,
        path=form.file.path,
        filename=form.file.filename,
        sha256=form.file.sha256,
        sample=_sample(form.fields.get("sample")),
        build=_build(form.fields.get("build")),
        meds=split_meds(form.fields.get("meds")),
        limits=input_limits(settings),
    )
    if not created:
        response.status_code = 200
    return PgxReportRead.model_validate(report)


@router.post(
    "/lab-calls",
    response_model=PgxReportRead,
    status_code=201,
    openapi_extra={"requestBody": LAB_CALLS_BODY},
)
def upload_lab_calls(
    grant: Writer, body: LabCallsBody, session: SessionDep, response: Response
) -> PgxReportRead:
    """Store a lab's calls: TSV lines of gene, diplotype, phenotype, activity score.

    As text/plain, `meds` and `filename` come as query parameters; as JSON, in the body.
    """
    try:
        report, created = pgx.store_lab_report(
            session, access=grant, text=body.text, filename=body.filename, meds=body.meds
        )
    except InvalidInput as error:
        if body.from_json:  # JSON callers count calls, not lines
            error.detail = _LINE.sub(r"call \1:", error.detail)
        raise
    if not created:
        response.status_code = 200
    return PgxReportRead.model_validate(report)


@router.get("/reports", response_model=Page[PgxReportSummary])
def list_reports(grant: Reader, session: SessionDep, page: PageDep) -> Page[PgxReportSummary]:
    rows, total = pgx.list_reports(session, access=grant, page=page)
    items = [PgxReportSummary.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/reports/{report_id}", response_model=PgxReportRead)
def read_report(report_id: ReportId, grant: Reader, session: SessionDep) -> PgxReportRead:
    report = pgx.get_report(session, access=grant, report_id=report_id)
    return PgxReportRead.model_validate(report)


@router.get("", response_model=CurrentPgxRead)
def current_pgx(grant: GenotypeReader, session: SessionDep) -> CurrentPgxRead:
    """The stored genotypes and advice for the active prescriptions, phenoconverted by them."""
    current = pgx_current.current_pgx(session, access=grant)
    sample = current.sample
    latest = current.latest_report
    return CurrentPgxRead(
        patient_id=grant.patient_id,
        genotypes=[GenotypeRead.model_validate(row) for row in current.genotypes],
        medications=[
            MedicineRead(
                medication_request_id=m.request.id,
                rxnorm_code=m.request.rxnorm_code,
                display=m.request.display,
                ingredients=list(m.ingredients),
            )
            for m in current.medicines
        ],
        drugs=list(current.drugs),
        knowledge=current.document["knowledge"],
        genes=sample["genes"],
        advice=sample["drugs"],
        medication_review=sample["medications"],
        notes=sample["notes"],
        latest_report=PgxReportSummary.model_validate(latest) if latest else None,
    )
