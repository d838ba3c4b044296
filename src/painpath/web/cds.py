"""CDS Hooks 2.0 endpoints: discovery (public, as the spec has it), hook calls and feedback
(both only for CDS clients whose JWT verifies; see painpath.cds.client_auth)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from painpath import audit
from painpath.cds.client_auth import (
    CdsClient,
    ClientNotAuthenticated,
    JwksCache,
    bearer_token,
    verify_client_jwt,
)
from painpath.cds.hooks import HookCall, assess_call, run_hook
from painpath.cds.prefetch import PrefetchUnavailable, reads_from_ehr, resolve_prefetch
from painpath.cds.replay import PruneSchedule, accept_once, prune_expired
from painpath.cds.requests import FeedbackRequest, HookRequest
from painpath.cds.services import SERVICES, CdsService, discovery
from painpath.cds.snoozes import prune_issued_cards, record_feedback
from painpath.config import CdsIssuer, Environment, Settings
from painpath.kit.clock import utcnow
from painpath.models.audit_event import AuditOutcome
from painpath.services.transaction import unit_of_work
from painpath.web.problems import problem

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])
logger = logging.getLogger(__name__)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _now(request: Request) -> datetime:
    """The server's clock; tests freeze it with `app.state.cds_clock`."""
    clock: Callable[[], datetime] = getattr(request.app.state, "cds_clock", utcnow)
    return clock()


def _jwks(request: Request) -> JwksCache:
    state = request.app.state
    cache: JwksCache | None = getattr(state, "cds_jwks", None)
    if cache is None:
        settings = _settings(request)
        issuers = settings.cds_issuers()
        for issuer, entry in issuers.items():
            if not entry.fhir_servers or not entry.patient_identifier_system:
                logger.warning(
                    "CDS: issuer %s has no fhir_servers or no patient_identifier_system: painpath"
                    " will not read its FHIR server or match its patients (see CdsIssuer)",
                    issuer,
                )
        cache = JwksCache(
            allowed_issuers=issuers,
            transport=getattr(state, "cds_transport", None),
            timeout=settings.cds_fhir_timeout_seconds,
        )
        state.cds_jwks = cache
    return cache


class AudienceNotConfigured(Exception):
    """Production without PAINPATH_PUBLIC_BASE_URL or PAINPATH_CDS_AUDIENCE: no `aud` to trust."""


def _audiences(request: Request, service_id: str) -> list[str]:
    """The `aud` values a client JWT may carry: from configuration (cds_audience, and the
    service's URL under public_base_url), never from the request's Host header — except in
    development and test when neither is set (logged as a warning); production refuses."""
    settings = _settings(request)
    audiences = [settings.cds_audience] if settings.cds_audience else []
    if settings.public_base_url:
        audiences.append(f"{settings.public_base_url.rstrip('/')}/cds-services/{service_id}")
    if audiences:
        return audiences
    if settings.environment is Environment.production:
        raise AudienceNotConfigured
    if not getattr(request.app.state, "cds_host_audience_warned", False):
        request.app.state.cds_host_audience_warned = True
        logger.warning(
            "CDS: PAINPATH_PUBLIC_BASE_URL is unset; accepting the audience from the Host"
            " header (refused in production)"
        )
    return [str(request.url.replace(query="")).removesuffix("/feedback")]


def _unauthenticated(request: Request, reason: str) -> JSONResponse:
    return problem(
        401,
        "Not authenticated",
        reason,
        instance=request.url.path,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _verified(
    request: Request, service_id: str, authorization: str | None
) -> CdsClient | JSONResponse:
    """The client whose JWT verifies (its jti not yet spent), or the refusal to answer with."""
    try:
        audiences = _audiences(request, service_id)
    except AudienceNotConfigured:
        return problem(
            503,
            "CDS Hooks not configured",
            "set PAINPATH_PUBLIC_BASE_URL (or PAINPATH_CDS_AUDIENCE) to accept CDS clients",
            instance=request.url.path,
        )
    try:
        return verify_client_jwt(
            bearer_token(authorization), audiences=audiences, jwks=_jwks(request)
        )
    except ClientNotAuthenticated as error:
        return _refused(request, service_id, error)


def _refused(request: Request, service_id: str, error: ClientNotAuthenticated) -> JSONResponse:
    _audit_refusal(request, service_id, str(error))
    return _unauthenticated(request, str(error))


def _spend(request: Request, client: CdsClient) -> None:
    """Spend the jti in a transaction of its own (answers other than cards, and feedback);
    raises ClientNotAuthenticated for a replay."""
    accept_once(request.app.state.session_factory, client, now=utcnow())


def _authenticate(
    request: Request, service_id: str, authorization: str | None
) -> CdsClient | JSONResponse:
    """The verified client (its jti now spent), or the refusal to answer with.

    Runs in a worker thread: the JWT check and the replay record are blocking work."""
    client = _verified(request, service_id, authorization)
    if isinstance(client, JSONResponse):
        return client
    try:
        _spend(request, client)
    except ClientNotAuthenticated as error:
        return _refused(request, service_id, error)
    return client


def _audit_refusal(request: Request, service_id: str, reason: str) -> None:
    """An audit row for a refused CDS client (never the token it sent)."""
    _, _, credentials = request.headers.get("authorization", "").partition(" ")
    if credentials.strip():
        reason = reason.replace(credentials.strip(), "[token]")
    with unit_of_work(request.app.state.session_factory) as session:
        audit.record(
            session,
            actor=None,
            action="call",
            resource_type="CdsService",
            patient_id=None,
            resource_id=service_id,
            outcome=AuditOutcome.denied,
            detail=f"CDS client refused: {reason}",
        )


def _parsed(raw: bytes) -> Any:
    """The JSON body, or None; parsed once, in the worker thread, never on the event loop (a
    50 KB prefetch takes a millisecond that every other request would wait for). orjson: a
    third of the standard library's time; it refuses NaN, integers beyond 64 bits and nesting
    deeper than 1024, which no CDS Hooks request needs."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # not JSON, or nested deeper than the decoder goes
        return None


def _json(content: Any, status_code: int = 200) -> Response:
    """A JSON answer encoded by orjson (compact UTF-8, as Starlette's JSONResponse writes)."""
    return Response(orjson.dumps(content), status_code=status_code, media_type="application/json")


def _invalid(request: Request, error: ValidationError | str) -> JSONResponse:
    detail = (
        error
        if isinstance(error, str)
        else "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:10])
    )
    return problem(400, "Invalid CDS Hooks request", detail, instance=request.url.path)


def operation_outcome(status: int, diagnostics: str) -> JSONResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-found", "diagnostics": diagnostics}],
    }
    return JSONResponse(body, status_code=status, media_type="application/fhir+json")


@router.get("")
def list_services() -> dict[str, Any]:
    """CDS Hooks discovery: the services painpath offers and their prefetch templates."""
    return discovery()


def _service(request: Request, service_id: str) -> CdsService | JSONResponse:
    service = SERVICES.get(service_id)
    if service is None:
        return problem(
            404, "Not found", f"no CDS service {service_id!r}", instance=request.url.path
        )
    return service


def _turns(request: Request) -> threading.Semaphore:
    """This process's hook-call turns (settings.cds_concurrent_calls).

    Sixteen admitted calls in sixteen threads share one GIL: each runs at a sixteenth of the
    speed, and the one holding the audit chain's head lock (a PostgreSQL row lock, SQLite's
    write lock) holds it sixteen times as long, so the other process queues behind it
    (measured: the lock held 11 ms on average at 100 req/s with 16 threads, 5.5 ms with 2; see
    bench/README.md). Waiting threads are blocked, not runnable; a call waiting on an EHR's
    FHIR server gives its turn back for the wait."""
    state = request.app.state
    turns: threading.Semaphore | None = getattr(state, "cds_turns", None)
    if turns is None:
        with _TURNS_CREATED:
            turns = getattr(state, "cds_turns", None)
            if turns is None:
                turns = threading.Semaphore(_settings(request).cds_concurrent_calls)
                state.cds_turns = turns
    return turns


_TURNS_CREATED = threading.Lock()


@router.post("/{service_id}")
async def call_service(service_id: str, request: Request) -> Response:
    """A hook call: cards for the patient and the draft orders (CDS Hooks 2.0)."""
    raw = await request.body()
    # One hand-off to a worker thread for everything blocking: client check, parsing,
    # prefetch, rules, database and rendering the answer.
    return await run_in_threadpool(_call_in_turn, request, service_id, raw)


def _call_in_turn(request: Request, service_id: str, raw: bytes) -> Response:
    with _turns(request):
        return _call(request, service_id, raw)


def _call(request: Request, service_id: str, raw: bytes) -> Response:
    client = _verified(request, service_id, request.headers.get("authorization"))
    if isinstance(client, JSONResponse):
        return client
    try:
        answer = _answer(request, service_id, raw, client)
    except ClientNotAuthenticated as error:  # the jti was spent before: a replay
        return _refused(request, service_id, error)
    except Exception:
        # The transaction that would have spent the jti rolled back: spend it now, so the
        # token cannot be sent again (a replay here is refused the same way).
        try:
            _spend(request, client)
        except ClientNotAuthenticated:
            pass  # spent already (before a read from the EHR)
        except Exception:
            logger.exception("CDS: could not record the jti of a failed hook call")
        raise
    return answer


def _answer(request: Request, service_id: str, raw: bytes, client: CdsClient) -> Response:
    """The cards, with the jti spent in the transaction that remembers them and audits the
    reads; an error answer with the jti spent on its own. When the prefetch must be read from
    the EHR, the jti is spent first, so a replayed token reads nothing from it."""
    validated = _validated(request, service_id, raw)
    if isinstance(validated, Response):
        _spend(request, client)
        return validated
    service, hook_request = validated
    settings = _settings(request)
    issuer = settings.cds_issuers()[client.issuer]  # builds every issuer entry: once a call
    spent = reads_from_ehr(hook_request, service, issuer)
    if spent:
        _spend(request, client)
    try:
        if spent:  # no turn held while the EHR answers
            turns = _turns(request)
            turns.release()
            try:
                call = _hook_call(request, service, hook_request, client, issuer)
            finally:
                turns.acquire()
        else:
            call = _hook_call(request, service, hook_request, client, issuer)
    except PrefetchUnavailable as error:
        if not spent:
            _spend(request, client)
        return operation_outcome(412, str(error))
    assessed = assess_call(call)
    housekeeping = partial(_prune, now=call.now) if _prune_schedule(request).due() else None
    with unit_of_work(request.app.state.session_factory) as session:
        cards = run_hook(session, call, assessed, spend_jti=not spent, housekeeping=housekeeping)
    return _json({"cards": cards})


def _prune(session: Session, *, now: datetime) -> None:
    """Expired jti and cards past retention: in a call's write transaction, once a minute."""
    prune_expired(session, now=now)
    prune_issued_cards(session, now=now)


def _prune_schedule(request: Request) -> PruneSchedule:
    state = request.app.state
    schedule: PruneSchedule | None = getattr(state, "cds_prune_schedule", None)
    if schedule is None:
        schedule = state.cds_prune_schedule = PruneSchedule()
    return schedule


def _validated(
    request: Request, service_id: str, raw: bytes
) -> tuple[CdsService, HookRequest] | Response:
    """The service and the validated request, or the error to answer with."""
    service = _service(request, service_id)
    if isinstance(service, JSONResponse):
        return service
    try:
        hook_request = HookRequest.model_validate(_parsed(raw))
    except ValidationError as error:
        return _invalid(request, error)
    if hook_request.hook != service.hook:
        return _invalid(
            request, f"service {service.id} answers {service.hook}, not {hook_request.hook}"
        )
    return service, hook_request


def _hook_call(
    request: Request,
    service: CdsService,
    hook_request: HookRequest,
    client: CdsClient,
    issuer: CdsIssuer,
) -> HookCall:
    """The call with its prefetch (read from the EHR where not sent); PrefetchUnavailable."""
    settings = _settings(request)
    prefetched = resolve_prefetch(
        hook_request,
        service,
        issuer,
        transport=getattr(request.app.state, "cds_transport", None),
        timeout=settings.cds_fhir_timeout_seconds,
    )
    return HookCall(
        service,
        hook_request,
        client,
        issuer,
        prefetched,
        _now(request),
        settings.public_base_url,
    )


@router.post("/{service_id}/feedback")
async def feedback(service_id: str, request: Request) -> Response:
    """Feedback on cards: recorded; an override with a reason snoozes the alert."""
    raw = await request.body()
    return await run_in_threadpool(_feedback, request, service_id, raw)


def _feedback(request: Request, service_id: str, raw: bytes) -> Response:
    client = _authenticate(request, service_id, request.headers.get("authorization"))
    if isinstance(client, JSONResponse):
        return client
    service = _service(request, service_id)
    if isinstance(service, JSONResponse):
        return service
    try:
        body = FeedbackRequest.model_validate(_parsed(raw))
    except ValidationError as error:
        return _invalid(request, error)
    settings = _settings(request)
    with unit_of_work(request.app.state.session_factory) as session:
        record_feedback(
            session,
            service_id=service.id,
            client=client,
            items=body.feedback,
            now=_now(request),
            days_by_reason=settings.cds_snooze_days,
        )
    return JSONResponse({})
