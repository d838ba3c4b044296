"""Prefetch reads share one HTTP client per process (an SSL context and CA bundle built once,
connections kept open), and each read still carries only its own EHR's token."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from painpath.cds.prefetch import FhirClient


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        _Recorder.seen.append(self.headers.get("Authorization"))
        body = json.dumps({"resourceType": "Patient", "id": "p1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def fhir_server() -> Iterator[str]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fhir"
    finally:
        server.shutdown()
        server.server_close()


def test_fhir_reads_share_one_client_and_keep_their_own_tokens(fhir_server: str) -> None:
    first = FhirClient(fhir_server, access_token="token-of-ehr-a", timeout=5.0)
    second = FhirClient(fhir_server, access_token=None, timeout=5.0)
    third = FhirClient(fhir_server, access_token="token-of-ehr-b", timeout=5.0)
    assert first._client is second._client is third._client
    for client in (first, second, third):
        assert client.get("Patient/p1") == [{"resourceType": "Patient", "id": "p1"}]
        client.close()
    assert _Recorder.seen == ["Bearer token-of-ehr-a", None, "Bearer token-of-ehr-b"]
    # Closing a reader leaves the shared client usable for the next call.
    assert FhirClient(fhir_server, access_token=None).get("Patient/p1")
