"""Finding 13 (issue 10, "Security and robustness", item 13): security headers, and no server
paths in error messages.

Before the fix, responses had no Content-Security-Policy and no HSTS, and a malformed wearable
upload was answered with the path of its temporary file on the server.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from painpath.config import Settings
from painpath.web.app import create_app
from painpath.web.middleware import hash_source
from painpath.web.redaction import redact_paths
from tests.support.cohort import Cast

PAGES = ["/login", "/api/patients", "/health", "/static/painpath.css", "/no-such-page"]


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", PAGES)
def test_finding_13_every_response_has_a_strict_content_security_policy(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    policy = _directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert all("'unsafe-inline'" not in sources for sources in policy.values())
    assert all("'unsafe-eval'" not in sources for sources in policy.values())
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers  # plain HTTP


def test_finding_13_hsts_on_https_requests(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as secure:
        response = secure.get("/login")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_finding_13_hsts_behind_a_tls_proxy_is_settings_driven(
    settings: Settings, engine: object
) -> None:
    behind_proxy = settings.model_copy(update={"public_base_url": "https://painpath.example"})
    with TestClient(create_app(behind_proxy, engine=engine)) as client:  # type: ignore[arg-type]
        assert "strict-transport-security" in client.get("/login").headers
    off = behind_proxy.model_copy(update={"hsts_seconds": 0})
    with TestClient(create_app(off, engine=engine)) as client:  # type: ignore[arg-type]
        assert "strict-transport-security" not in client.get("/login").headers


def test_finding_13_the_api_docs_allow_exactly_their_own_inline_script(
    client: TestClient,
) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert scripts
    policy = _directives(response.headers["content-security-policy"])
    assert set(policy["script-src"]) == {"'self'", "https://cdn.jsdelivr.net"} | {
        hash_source(script) for script in scripts
    }
    assert policy["frame-ancestors"] == ["'none'"]


def _broken_apple_export() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("apple_health_export/export.xml", "<HealthData><Record type='x'")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("export.zip", _broken_apple_export(), "malformed or truncated XML"),
        ("export.zip", b"PK\x03\x04 not really a zip", "corrupt zip archive"),
        ("export.json", b"{", "not a wearable export"),
    ],
    ids=["truncated-xml", "corrupt-zip", "unknown-json"],
)
def test_finding_13_422_does_not_reveal_server_paths(
    client: TestClient, cast: Cast, name: str, content: bytes, reason: str
) -> None:
    response = client.post(
        f"/api/patients/{cast.home_patient_id}/wearables/imports",
        files={"file": (name, content)},
        headers=cast.headers(client, "clinician"),
    )
    assert response.status_code == 422, response.text
    text = response.text
    assert reason in response.json()["detail"]
    for server_path in {tempfile.gettempdir(), str(Path.cwd()), "painpath-upload-"}:
        assert server_path not in text


def test_redaction_keeps_app_routes_and_cuts_file_paths() -> None:
    assert redact_paths("/srv/painpath/uploads/x/upload.zip, line 3: bad") == (
        "upload.zip, line 3: bad"
    )
    assert redact_paths("use POST /api/auth/token first") == "use POST /api/auth/token first"
    assert redact_paths(r"C:\Users\ann\AppData\Local\Temp\up.vcf: bad") == "up.vcf: bad"
