"""Prefetch resolution: take what the EHR sent, fetch what it left out (or sent as null) from
its FHIR server with the token it gave, and refuse (412) when the essentials cannot be had."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

from painpath.cds.bounded_json import read_bounded_json
from painpath.cds.requests import HookRequest
from painpath.cds.services import REQUIRED_PREFETCH, CdsService
from painpath.config import CdsIssuer

MAX_PAGES = 5  # follow at most this many `next` links per search
MAX_PAGE_BYTES = 20_000_000  # largest FHIR response page read

logger = logging.getLogger(__name__)


class PrefetchUnavailable(Exception):
    """Data the service needs is neither in the prefetch nor obtainable from the FHIR server."""


@dataclass
class Prefetched:
    patient: dict[str, Any]
    #: Every other resource, Bundles flattened (medications, conditions, observations, …).
    resources: list[dict[str, Any]] = field(default_factory=list)
    #: Keys fetched from the FHIR server (the EHR did not send them).
    fetched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fill_template(template: str, request: HookRequest) -> str:
    """Replace the context token painpath's templates use (the patient id, a FHIR id: checked
    by HookContext, so it cannot add path segments or query parameters)."""
    return template.replace("{{context.patientId}}", request.context.patient_id)


def flatten(value: Any) -> list[dict[str, Any]]:
    """A resource (or a bare Bundle entry) as a one-item list; a Bundle as its entries'
    resources; anything else empty."""
    if not isinstance(value, dict):
        return []
    if "resourceType" not in value and isinstance(value.get("resource"), dict):
        value = value["resource"]  # a bare Bundle entry {"response", "resource"}
    if value.get("resourceType") == "Bundle":
        return [
            entry["resource"]
            for entry in value.get("entry") or []
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
        ]
    return [value] if isinstance(value.get("resourceType"), str) else []


class FhirReadError(Exception):
    """A read from the EHR's FHIR server failed; the message is for the server log only."""


def _within(url: httpx.URL, base: httpx.URL) -> bool:
    """Whether `url` is on the FHIR server at `base`: same scheme, host and port, a path
    under the base path, and no credentials of its own."""
    return (
        url.scheme == base.scheme
        and url.host == base.host
        and url.port == base.port
        and not url.userinfo
        and url.path.startswith(base.path)
        and not {".", ".."} & set(url.path.split("/"))
    )


_SHARED_CLIENTS: dict[float, httpx.Client] = {}
_SHARED_LOCK = threading.Lock()


def _shared_client(timeout: float) -> httpx.Client:
    """One HTTP client per process (per timeout): building one costs an SSL context and the CA
    bundle (measured: about 25 ms of CPU, 65 % of a hook call that had to fetch its prefetch),
    and its connection pool keeps connections to the EHR open between calls. httpx clients
    are safe to share between threads; headers go with each request, never on the client."""
    with _SHARED_LOCK:
        client = _SHARED_CLIENTS.get(timeout)
        if client is None:
            client = httpx.Client(timeout=timeout, follow_redirects=False)
            _SHARED_CLIENTS[timeout] = client
        return client


class FhirClient:
    """Reads from the EHR's FHIR server with the EHR's token, and from nowhere else: every URL
    (`next` links included) must lie under `base_url`, redirects are not followed, and each
    page is read up to MAX_PAGE_BYTES. `transport` is the seam tests replace (a client of its
    own then; otherwise the process's shared client)."""

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._headers = {"Accept": "application/fhir+json"}
        if access_token:
            self._headers["Authorization"] = f"Bearer {access_token}"
        self._base = httpx.URL(base_url.rstrip("/") + "/")
        self._owned = transport is not None
        self._client = (
            httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)
            if transport is not None
            else _shared_client(timeout)
        )

    def close(self) -> None:
        if self._owned:
            self._client.close()

    def _read(self, url: httpx.URL) -> Any:
        if not _within(url, self._base):
            raise FhirReadError(f"{url} is not on the FHIR server {self._base}")
        try:
            with self._client.stream("GET", url, headers=self._headers) as response:
                response.raise_for_status()
                return read_bounded_json(response, MAX_PAGE_BYTES)
        except (httpx.HTTPError, ValueError) as error:
            raise FhirReadError(f"GET {url}: {error!r}") from error

    def get(self, query: str) -> list[dict[str, Any]]:
        """The resource (read) or every resource of the search, following `next` links."""
        found: list[dict[str, Any]] = []
        url: httpx.URL | None = self._base.join(query)
        for _ in range(MAX_PAGES):
            if url is None:
                break
            document = self._read(url)
            found.extend(
                r for r in flatten(document) if r.get("resourceType") != "OperationOutcome"
            )
            links = document.get("link") if isinstance(document, dict) else None
            following = next(
                (
                    link.get("url")
                    for link in links or []
                    if isinstance(link, dict) and link.get("relation") == "next"
                ),
                None,
            )
            try:
                url = self._base.join(following) if isinstance(following, str) else None
            except httpx.InvalidURL as error:
                raise FhirReadError(f"unusable next link {following!r}") from error
        return found


def _fhir_base(request: HookRequest, issuer: CdsIssuer) -> str | None:
    """The request's fhirServer when it is one the client's configuration allows."""
    if not request.fhir_server:
        return None
    server = request.fhir_server.rstrip("/")
    if server in issuer.fhir_servers:
        return server
    logger.warning("CDS: fhirServer %r is not configured for this client; not read", server)
    return None


def _why_not_fetched(request: HookRequest, issuer: CdsIssuer) -> str:
    if not request.fhir_server:
        return "no fhirServer to query"
    if not issuer.fhir_servers:
        return "painpath reads no FHIR server for this client (send the prefetch)"
    return "the fhirServer is not one configured for this client"


def missing_prefetch(request: HookRequest, service: CdsService) -> list[str]:
    """The service's prefetch keys the request did not send."""
    given = request.prefetch or {}
    return [key for key in service.prefetch if given.get(key) is None]


def reads_from_ehr(request: HookRequest, service: CdsService, issuer: CdsIssuer) -> bool:
    """Whether `resolve_prefetch` will read the EHR's FHIR server for this call."""
    server = (request.fhir_server or "").rstrip("/")
    return bool(server and server in issuer.fhir_servers and missing_prefetch(request, service))


def resolve_prefetch(
    request: HookRequest,
    service: CdsService,
    issuer: CdsIssuer,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 5.0,
) -> Prefetched:
    """Every prefetch key of `service`, from the request or the client's FHIR server (only one
    that `issuer` lists). Reasons for a failed read go to the log, not into the 412."""
    given = request.prefetch or {}
    results: dict[str, list[dict[str, Any]]] = {}
    missing = missing_prefetch(request, service)
    for key in service.prefetch:
        if key not in missing:
            results[key] = flatten(given[key])
    notes: list[str] = []
    base = _fhir_base(request, issuer) if missing else None
    if missing and base is None:
        needed = [key for key in missing if key in REQUIRED_PREFETCH]
        if needed:
            raise PrefetchUnavailable(
                f"prefetch {', '.join(needed)} missing and {_why_not_fetched(request, issuer)}"
            )
        notes.append(f"Not available: {', '.join(missing)}.")
    elif missing and base is not None:
        token = request.fhir_authorization.access_token if request.fhir_authorization else None
        client = FhirClient(base, access_token=token, transport=transport, timeout=timeout)
        try:
            for key in missing:
                try:
                    results[key] = client.get(fill_template(service.prefetch[key], request))
                except FhirReadError as error:
                    logger.warning("CDS: prefetch %s could not be read: %s", key, error)
                    if key in REQUIRED_PREFETCH:
                        raise PrefetchUnavailable(
                            f"could not read {key} from the EHR's FHIR server"
                        ) from error
                    notes.append(f"Could not read {key} from the FHIR server.")
        finally:
            client.close()
    patients = [r for r in results.get("patient", []) if r.get("resourceType") == "Patient"]
    if not patients:
        raise PrefetchUnavailable(
            "the Patient resource is neither in the prefetch nor on the server"
        )
    others = [r for key, found in results.items() if key != "patient" for r in found]
    fetched = [key for key in missing if key in results]
    return Prefetched(patients[0], others, fetched, notes)
