"""Prefetch resolution: take what the EHR sent, fetch what it left out (or sent as null) from
its FHIR server with the token it gave, and refuse (412) when the essentials cannot be had."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from painpath.cds.requests import HookRequest
from painpath.cds.services import REQUIRED_PREFETCH, CdsService

MAX_PAGES = 5  # follow at most this many `next` links per search


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
    """Replace the context tokens painpath's templates use."""
    context = request.context
    return template.replace("{{context.patientId}}", context.patient_id).replace(
        "{{context.userId}}", context.user_id or ""
    )


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


class FhirClient:
    """Reads from the EHR's FHIR server; `transport` is the seam tests replace."""

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
    ) -> None:
        headers = {"Accept": "application/fhir+json"}
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            transport=transport,
            timeout=timeout,
        )

    def close(self) -> None:
        self._client.close()

    def get(self, query: str) -> list[dict[str, Any]]:
        """The resource (read) or every resource of the search, following `next` links."""
        found: list[dict[str, Any]] = []
        url: str | None = query
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = self._client.get(url)
            response.raise_for_status()
            document = response.json()
            found.extend(
                r for r in flatten(document) if r.get("resourceType") != "OperationOutcome"
            )
            links = document.get("link") or [] if isinstance(document, dict) else []
            url = next((link.get("url") for link in links if link.get("relation") == "next"), None)
        return found


def resolve_prefetch(
    request: HookRequest,
    service: CdsService,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 5.0,
) -> Prefetched:
    """Every prefetch key of `service`, from the request or the FHIR server."""
    given = request.prefetch or {}
    results: dict[str, list[dict[str, Any]]] = {}
    missing = [key for key in service.prefetch if given.get(key) is None]
    for key in service.prefetch:
        if key not in missing:
            results[key] = flatten(given[key])
    notes: list[str] = []
    if missing:
        if not request.fhir_server:
            needed = [key for key in missing if key in REQUIRED_PREFETCH]
            if needed:
                raise PrefetchUnavailable(
                    f"prefetch {', '.join(needed)} missing and no fhirServer to query"
                )
            notes.append(f"Not available: {', '.join(missing)}.")
        else:
            token = request.fhir_authorization.access_token if request.fhir_authorization else None
            client = FhirClient(
                request.fhir_server, access_token=token, transport=transport, timeout=timeout
            )
            try:
                for key in missing:
                    try:
                        results[key] = client.get(fill_template(service.prefetch[key], request))
                    except (httpx.HTTPError, ValueError) as error:
                        if key in REQUIRED_PREFETCH:
                            raise PrefetchUnavailable(
                                f"could not read {key} from the FHIR server: {error}"
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
