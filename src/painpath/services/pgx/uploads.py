"""PGx uploads on a patient's record: a VCF or lab calls in, a stored report and genotypes out.

Each upload is interpreted by the pure engine (`painpath.pgx.report`) before anything is
written; then the `PgxReport` row and the patient's `GenotypeResult` rows (one per gene the
report called, latest upload wins) are written in the caller's one transaction, so a bad file
stores nothing. The same bytes with the same options and knowledge version are recognised by
their fingerprint: the stored report is returned and nothing changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.kit.clock import utcnow
from painpath.kit.limits import DEFAULT_LIMITS, InputLimits, LimitExceeded
from painpath.kit.pagination import PageRequest
from painpath.models.genotype import GenotypeResult
from painpath.models.pgx_report import PgxReport, PgxSourceKind
from painpath.pgx.build import GenomeBuild
from painpath.pgx.outside_calls import OutsideCallError, parse_outside_calls
from painpath.pgx.report import SampleReport, interpret_sample, iter_file_reports, report_document
from painpath.pgx.tables import KNOWLEDGE_VERSION
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.services.input_limits import too_large
from painpath.services.pgx.genotypes import genotype_rows

#: The sample id of a lab-call report (it has no VCF column).
LAB_SAMPLE = "lab"
MAX_SAMPLE_ID = 255  # PgxReport.sample_id


def fingerprint(
    kind: PgxSourceKind,
    sha256: str,
    *,
    sample: str | None = None,
    build: GenomeBuild | None = None,
    meds: Sequence[str] = (),
) -> str:
    """What makes two uploads the same: bytes, options and the knowledge that reads them."""
    key = {
        "kind": kind.value,
        "sha256": sha256,
        "sample": sample,
        "build": build.value if build else None,
        "meds": sorted({m.strip().lower() for m in meds}),
        "knowledge": KNOWLEDGE_VERSION,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _stored(session: Session, access: PatientAccess, key: str) -> PgxReport | None:
    found = session.scalar(
        select(PgxReport).where(
            PgxReport.patient_id == access.patient_id, PgxReport.fingerprint == key
        )
    )
    if found is not None:
        access.note_resource(found.id)
        access.event.detail = "identical upload: the stored report was returned"
    return found


def _vcf_problem(error: ValueError, path: str, filename: str) -> InvalidInput:
    # The engine names the file by its path on disk; the client knows it by its own name.
    detail = str(error).replace(path, filename)
    return InvalidInput(detail, field="file")


def _one_sample(
    path: Path,
    filename: str,
    sample: str | None,
    build: GenomeBuild | None,
    meds: Sequence[str],
    limits: InputLimits,
) -> SampleReport:
    try:
        reports = iter_file_reports(
            str(path), samples=[sample] if sample else None, build=build, meds=meds, limits=limits
        )
        first = next(reports, None)
        if first is None:
            raise InvalidInput(f"{filename}: the file has no samples", field="file")
        if sample is None and next(reports, None) is not None:
            raise InvalidInput(
                f"{filename} holds more than one sample: name one with `sample`", field="sample"
            )
    except LimitExceeded as error:
        raise too_large(error, str(path), filename) from None
    except ValueError as error:  # VcfError, or a value the engine cannot interpret
        raise _vcf_problem(error, str(path), filename) from None
    if len(first.sample_id) > MAX_SAMPLE_ID:
        raise InvalidInput(f"the sample id is longer than {MAX_SAMPLE_ID} characters")
    return first


def store_vcf_report(
    session: Session,
    *,
    access: PatientAccess,
    path: Path,
    filename: str | None,
    sha256: str,
    sample: str | None = None,
    build: GenomeBuild | None = None,
    meds: Sequence[str] = (),
    limits: InputLimits = DEFAULT_LIMITS,
) -> tuple[PgxReport, bool]:
    """Interpret a VCF/BCF on disk and store it; an identical upload returns the stored one.

    A file past `limits` (decompressed size, line length, header) is refused with 413."""
    key = fingerprint(PgxSourceKind.vcf, sha256, sample=sample, build=build, meds=meds)
    if (found := _stored(session, access, key)) is not None:
        return found, False
    name = filename or "the file"
    report = _one_sample(path, name, sample, build, meds, limits)
    document = report_document([report])
    row = PgxReport(
        source_kind=PgxSourceKind.vcf,
        filename=filename,
        sha256=sha256,
        fingerprint=key,
        sample_id=report.sample_id,
        build=report.build.value if report.build else None,
        meds=list(meds),
    )
    return _save(session, access, row, document), True


def store_lab_report(
    session: Session,
    *,
    access: PatientAccess,
    text: str,
    filename: str | None = None,
    meds: Sequence[str] = (),
) -> tuple[PgxReport, bool]:
    """Interpret a lab's outside-call TSV and store it; an identical upload returns the stored."""
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    key = fingerprint(PgxSourceKind.lab, sha256, meds=meds)
    if (found := _stored(session, access, key)) is not None:
        return found, False
    try:
        calls = parse_outside_calls(text)
    except OutsideCallError as error:
        raise InvalidInput(str(error), field="calls") from None
    if not calls.calls:
        raise InvalidInput("no gene painpath interprets was given", field="calls")
    report = interpret_sample(LAB_SAMPLE, {}, outside_calls=calls, meds=meds)
    row = PgxReport(
        source_kind=PgxSourceKind.lab,
        filename=filename,
        sha256=sha256,
        fingerprint=key,
        sample_id=LAB_SAMPLE,
        build=None,
        meds=list(meds),
    )
    return _save(session, access, row, report_document([report])), True


def _save(
    session: Session, access: PatientAccess, row: PgxReport, document: dict[str, Any]
) -> PgxReport:
    row.patient_id = access.patient_id
    row.uploaded_by = access.actor.user_id
    row.knowledge_version = document["knowledge"].get("version") or KNOWLEDGE_VERSION
    row.report = document
    _replace_genotypes(session, access, row, document["samples"][0])
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict("the same upload is being stored by another request") from error
    access.note_resource(row.id)
    return row


def _replace_genotypes(
    session: Session, access: PatientAccess, row: PgxReport, sample: dict[str, Any]
) -> None:
    """Write the report's calls to the record, except over a lab call with a VCF call.

    As inside one report, a lab call outranks a VCF call for its gene: a lab sees copy number
    and hybrids (CYP2D6) that SNV calling cannot. The report then says which genes kept theirs.
    """
    stored = {
        result.gene: result
        for result in session.scalars(
            select(GenotypeResult).where(GenotypeResult.patient_id == access.patient_id)
        )
    }
    now = utcnow()
    kept = []
    for values in genotype_rows(sample, source=row.source_kind.value):
        result = stored.get(values.gene) or GenotypeResult(
            patient_id=access.patient_id, gene=values.gene
        )
        if values.source == "vcf" and result.source == "lab":
            kept.append(f"{result.gene} {result.diplotype}")
            continue
        result.diplotype = values.diplotype
        result.phenotype = values.phenotype
        result.activity_score = values.activity_score
        result.source = values.source
        result.knowledge_version = row.knowledge_version
        result.created_at = now
        session.add(result)
    if kept:
        sample["notes"].append(
            f"The record keeps its earlier lab calls ({', '.join(kept)}): a lab call outranks"
            " a VCF call for the same gene, so this file's call for it is in this report only."
        )


def list_reports(
    session: Session, *, access: PatientAccess, page: PageRequest
) -> tuple[list[PgxReport], int]:
    """The patient's reports, newest first."""
    mine = PgxReport.patient_id == access.patient_id
    total = session.scalar(select(func.count()).select_from(PgxReport).where(mine)) or 0
    query = select(PgxReport).where(mine).order_by(PgxReport.id.desc())
    rows = session.scalars(query.limit(page.limit).offset(page.offset)).all()
    return list(rows), total


def get_report(session: Session, *, access: PatientAccess, report_id: int) -> PgxReport:
    report = session.get(PgxReport, report_id)
    if report is None or report.patient_id != access.patient_id:
        raise NotFound(f"PGx report {report_id} not found for patient {access.patient_id}")
    return report


def latest_report(session: Session, *, access: PatientAccess) -> PgxReport | None:
    reports, _ = list_reports(session, access=access, page=PageRequest(limit=1, offset=0))
    return reports[0] if reports else None
