"""The naive CDS Hooks path issue 4 asked painpath to be measured against: every rule re-reads
and re-parses the request and maps the FHIR prefetch again before it runs.

Bench only (never shipped): it is painpath's own server with the order-sign handler wrapped, so
everything else — client JWT check, database work, cards — stays the same and the difference
measured is the repeated parse and mapping alone. One extra parse, validation, prefetch
resolution and FHIR → engine mapping per opioid rule (painpath.opioids.rules.RULES) and per
pharmacogenomic drug check, before the normal handling.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

import painpath.web.cds as cds
from painpath.cds.prefetch import PrefetchUnavailable, resolve_prefetch
from painpath.cds.requests import HookRequest
from painpath.cds.services import SERVICES
from painpath.config import Settings
from painpath.fhir import assessment_input_from_fhir
from painpath.opioids.rules import RULES
from painpath.web.app import create_app

#: One re-read per rule that looks at the request: the opioid rules and the PGx check.
REPEATS = len(RULES) + 1

_painpath_call = cds._call


def _naive_call(request: Request, service_id: str, raw: bytes) -> Response:
    service = SERVICES.get(service_id)
    settings: Settings = request.app.state.settings
    issuer = next(iter(settings.cds_issuers().values()))
    for _ in range(REPEATS):
        try:
            hook_request = HookRequest.model_validate(cds._parsed(raw))
            if service is None:
                break
            prefetched = resolve_prefetch(hook_request, service, issuer)
        except (ValueError, PrefetchUnavailable):
            break
        assessment_input_from_fhir(
            patient=prefetched.patient,
            resources=prefetched.resources,
            draft_orders=hook_request.draft_order_resources(),
            today=cds._now(request).date(),
        )
    return _painpath_call(request, service_id, raw)


def app_from_environment() -> FastAPI:
    """painpath's app with the naive order handling (uvicorn factory, one per worker)."""
    cds._call = _naive_call
    return create_app(Settings())
