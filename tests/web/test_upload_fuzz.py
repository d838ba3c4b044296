"""Fuzzing the upload routes for server errors (issue 8): the PGx VCF upload and the wearable
export upload, as a signed-in clinician on the patient's care team.

Hypothesis sends well-formed and malformed multipart bodies: random boundaries, missing or
doubled parts, unknown fields, hostile file names (paths, control characters, very long
suffixes), every `kind` spelling and random ones, and contents that start like the real
formats (VCF header, gzip, zip, Apple Health XML, JSON) then go wrong. Every answer must be
below 500, and a refused wearable upload must leave no import `running`. Examples are bounded
(`EXAMPLES` per route and backend); runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from painpath.models.wearable import WearableImport, WearableImportStatus
from painpath.monitoring.wearables.formats import WearableFormat
from tests.support.cohort import Cast

EXAMPLES = 60
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VCF_HEAD = (
    b"##fileformat=VCFv4.2\n##contig=<ID=chr22,length=50818468>\n"
    b'##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)
VCF_ROW = b"chr22\t42126611\trs16947\tG\tA\t.\tPASS\t.\tGT\t0/1\n"
APPLE_HEAD = (
    b'<?xml version="1.0"?>\n<HealthData locale="en_US">\n'
    b'<ExportDate value="2026-01-01 00:00:00 -0600"/>\n'
)
APPLE_ROW = (
    b'<Record type="HKQuantityTypeIdentifierStepCount" sourceName="Phone" unit="count" '
    b'startDate="2026-01-01 10:00:00 -0600" endDate="2026-01-01 10:05:00 -0600" value="42"/>\n'
)
FHIR_BUNDLE = b'{"resourceType": "Bundle", "type": "collection", "entry": ['
OMH_POINT = (
    b'{"header": {"schema_id": {"namespace": "omh", "name": "step-count", "version": "2.0"}}, '
    b'"body": '
)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


noise = st.binary(max_size=300)
contents = st.one_of(
    noise,
    st.builds(lambda tail: VCF_HEAD + tail, noise),
    st.builds(lambda n, tail: VCF_HEAD + VCF_ROW * n + tail, st.integers(0, 3), noise),
    st.builds(lambda tail: gzip.compress(VCF_HEAD + VCF_ROW) + tail, noise),
    st.builds(lambda cut: gzip.compress(VCF_HEAD + VCF_ROW * 5)[:cut], st.integers(0, 120)),
    st.builds(lambda tail: b"BCF\x02\x02" + tail, noise),
    st.builds(lambda n, tail: APPLE_HEAD + APPLE_ROW * n + tail, st.integers(0, 3), noise),
    st.builds(lambda tail: FHIR_BUNDLE + tail, noise),
    st.builds(lambda tail: OMH_POINT + tail, noise),
    st.builds(lambda data: _zip({"apple_health_export/export.xml": data}), noise),
    st.builds(
        lambda data: _zip({"Takeout/Fitbit/Global Export Data/steps-2026-01-01.json": data}),
        noise,
    ),
    st.builds(
        lambda data, cut: _zip({"export.xml": APPLE_HEAD + data})[:cut], noise, st.integers(0, 400)
    ),
)
filenames = st.one_of(
    st.sampled_from(
        [
            "sample.vcf",
            "sample.vcf.gz",
            "sample.bcf",
            "export.xml",
            "export.zip",
            "bundle.json",
            "../../etc/passwd",
            "C:\\Users\\x\\export.zip",
            "",
            ".",
            "..",
            "a." + "x" * 300,
            "x" * 400 + ".zip",
            "name\x00.vcf",
            "émoji-💊.json",
            "dir/",
        ]
    ),
    st.text(max_size=60),
)
kinds = st.one_of(
    st.sampled_from([kind.value for kind in WearableFormat]),
    st.sampled_from(["apple-health", "fitbit", "open-mhealth", "FHIR", "garmin", "", " "]),
    st.text(max_size=40),
)


def _quote(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace('"', '\\"').encode("utf-8", "surrogatepass")


@st.composite
def multipart_bodies(draw: st.DrawFn, text_fields: list[str]) -> tuple[bytes, str]:
    """A multipart body by hand (so it can be wrong anywhere) and its Content-Type header."""
    boundary = draw(st.sampled_from(["fuzzboundary", "x", "-" * 70, "b" * 200]))
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(["file", *text_fields, "other", "", 'fi"le']))
        with_file = draw(st.booleans())
        disposition = b'form-data; name="' + _quote(name) + b'"'
        if with_file:
            disposition += b'; filename="' + _quote(draw(filenames)) + b'"'
        if draw(st.booleans()):
            value = draw(contents) if with_file else draw(kinds).encode("utf-8", "surrogatepass")
        else:
            value = draw(noise)
        headers = b"Content-Disposition: " + disposition + b"\r\n"
        if draw(st.booleans()):
            headers += b"Content-Type: application/octet-stream\r\n"
        parts.append(b"--" + boundary.encode() + b"\r\n" + headers + b"\r\n" + value + b"\r\n")
    body = b"".join(parts)
    ending = draw(
        st.sampled_from([b"--" + boundary.encode() + b"--\r\n", b"", b"--" + boundary.encode()])
    )
    body += ending
    content_type = draw(
        st.sampled_from(
            [
                f"multipart/form-data; boundary={boundary}",
                f'multipart/form-data; boundary="{boundary}"',
                "multipart/form-data",
                "multipart/form-data; boundary=other",
                "application/json",
                "text/plain",
            ]
        )
    )
    return body, content_type


@st.composite
def wellformed_uploads(draw: st.DrawFn, text_fields: list[str]) -> dict[str, Any]:
    """A well-formed multipart request (what httpx builds) with hostile parts."""
    data = {name: draw(kinds) for name in text_fields if draw(st.booleans())}
    files = {"file": (draw(filenames), draw(contents), "application/octet-stream")}
    return {"data": data, "files": files}


def _running_imports(app: FastAPI) -> list[int]:
    with app.state.session_factory() as session:
        query = select(WearableImport.id).where(
            WearableImport.status == WearableImportStatus.running
        )
        return list(session.scalars(query))


@pytest.fixture
def clinician(client: TestClient, cast: Cast) -> dict[str, str]:
    return cast.headers(client, "clinician")


ROUTES = {
    "vcf": ("pgx/vcf", ["sample", "build", "meds"]),
    "wearables": ("wearables/imports", ["kind"]),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_malformed_multipart_bodies_never_get_a_server_error(
    app: FastAPI, client: TestClient, cast: Cast, clinician: dict[str, str], route: str
) -> None:
    suffix, fields = ROUTES[route]
    url = f"/api/patients/{cast.home_patient_id}/{suffix}"
    tried: list[int] = []

    @FUZZ
    @given(request=multipart_bodies(fields))
    def post(request: tuple[bytes, str]) -> None:
        body, content_type = request
        response = client.post(
            url, content=body, headers={**clinician, "Content-Type": content_type}
        )
        tried.append(response.status_code)
        assert response.status_code < 500, (body[:500], content_type, response.text)
        assert _running_imports(app) == []

    post()
    assert len(tried) == EXAMPLES


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_hostile_uploads_never_get_a_server_error(
    app: FastAPI, client: TestClient, cast: Cast, clinician: dict[str, str], route: str
) -> None:
    suffix, fields = ROUTES[route]
    url = f"/api/patients/{cast.home_patient_id}/{suffix}"
    tried: list[int] = []

    @FUZZ
    @given(request=wellformed_uploads(fields))
    def post(request: dict[str, Any]) -> None:
        response = client.post(url, headers=clinician, **request)
        tried.append(response.status_code)
        assert response.status_code < 500, (request, response.text)
        assert _running_imports(app) == []

    post()
    assert len(tried) == EXAMPLES
    # The fuzz reaches the importers: some of its files are real enough to be accepted.
    assert any(status < 300 for status in tried), tried
