"""ASGI middleware: request context for the audit trail, body size limit, security headers."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from painpath.audit.chaining import chain_now, chain_soon, deferred_to_end_of_request
from painpath.audit.context import RequestContext, request_context
from painpath.audit.flood import DenialThrottle

#: Routes that take a file upload, and so the larger `max_upload_bytes` limit.
UPLOAD_PATHS = (
    re.compile(r"^/api/patients/[^/]+/pgx/vcf/?$"),
    re.compile(r"^/api/patients/[^/]+/wearables/imports/?$"),
    # Secure messages with an attachment (API and page forms); the file's own limit is
    # max_attachment_bytes, enforced while it streams in.
    re.compile(r"^/api/patients/[^/]+/message-threads(/[^/]+/messages)?/?$"),
    re.compile(r"^/patients/[^/]+/messages(/[^/]+)?/?$"),
)


class RequestContextMiddleware:
    """Give each request an id and expose method, path and client to the audit writer; chain
    the audit events the request queued once its response is sent."""

    def __init__(
        self,
        app: ASGIApp,
        denial_throttle: DenialThrottle | None = None,
        audit_chain_batch_seconds: float = 0.0,
    ) -> None:
        self.app = app
        self.denial_throttle = denial_throttle
        self.audit_chain_batch_seconds = audit_chain_batch_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = incoming if incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        client = scope.get("client")
        token = request_context.set(
            RequestContext(
                http_method=scope.get("method"),
                path=str(scope.get("path", ""))[:300],
                client_address=client[0] if client else None,
                request_id=request_id,
                denial_throttle=self.denial_throttle,
            )
        )

        chains_due: set[Engine] = set()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-request-id", request_id.encode())]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)
            if chains_due and self.audit_chain_batch_seconds:
                # Sent: what was committed so far is chained soon, also while a stream stays
                # open for hours.
                for engine in list(chains_due):
                    chains_due.discard(engine)
                    chain_soon(engine, self.audit_chain_batch_seconds)

        try:
            with deferred_to_end_of_request(chains_due):
                await self.app(scope, receive, send_with_headers)
        finally:
            request_context.reset(token)
            # The response is out: have the audit events the request queued chained (PostgreSQL).
            for engine in chains_due:
                if self.audit_chain_batch_seconds:
                    chain_soon(engine, self.audit_chain_batch_seconds)
                else:
                    await anyio.to_thread.run_sync(chain_now, engine)


class BodySizeLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413, whether declared or streamed.

    Paths in `UPLOAD_PATHS` may send up to `max_upload_bytes` (when given) instead.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, path: str) -> int:
        if self.max_upload_bytes is not None and any(p.match(path) for p in UPLOAD_PATHS):
            return self.max_upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        started = False

        async def guarded_send(message: Message) -> None:
            # FastAPI turns any error while reading the body into its own 400; once the body
            # has overflowed, whatever the app answers is replaced by the 413.
            nonlocal started
            if too_large:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(send, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not started:
                started = True
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": "Content Too Large",
            "status": 413,
            "detail": f"the request body is larger than {limit} bytes",
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class _BodyTooLarge(Exception):
    pass


#: Every page's policy: nothing inline, nothing from elsewhere, never framed.
BASE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    # The patient app's service worker (/app/sw.js) and web app manifest.
    "worker-src": ("'self'",),
    "manifest-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
#: The API explorer at /docs is FastAPI's Swagger UI page, which loads from this CDN.
DOCS_CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def hash_source(text: str | bytes) -> str:
    """A CSP hash-source allowing exactly this inline script or style."""
    data = text.encode() if isinstance(text, str) else text
    return "'sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode() + "'"


def content_security_policy(
    *, style_hashes: Iterable[str] = (), script_hashes: Iterable[str] = (), docs: bool = False
) -> str:
    policy = {name: list(sources) for name, sources in BASE_POLICY.items()}
    policy["style-src"] += style_hashes
    policy["script-src"] += script_hashes
    if docs:
        policy["script-src"].append(DOCS_CDN)
        policy["style-src"].append(DOCS_CDN)
        policy["img-src"].append("https://fastapi.tiangolo.com")
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


class SecurityHeadersMiddleware:
    """Content-Security-Policy, HSTS and the other headers every response carries.

    The policy has no 'unsafe-inline': templates load /static files only. `style_hashes` allow
    known inline stylesheets (the printable PGx report). The one page with inline script,
    FastAPI's /docs, is generated from the app's own settings with no request input; its
    scripts are allowed by their hashes, computed from the page as served.
    HSTS is sent on HTTPS requests, or on all when `always_https` (the server sits behind
    a TLS proxy that does not say so); `hsts_seconds` 0 turns it off.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts_seconds: int,
        always_https: bool = False,
        style_hashes: tuple[str, ...] = (),
        docs_path: str | None = "/docs",
    ) -> None:
        self.app = app
        self.hsts_seconds = hsts_seconds
        self.always_https = always_https
        self.docs_path = docs_path
        self.style_hashes = style_hashes
        self.policy = content_security_policy(style_hashes=style_hashes).encode()

    def _headers(self, scope: Scope, policy: bytes) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"content-security-policy", policy),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cache-control", b"no-store"),
        ]
        https = scope.get("scheme") == "https" or self.always_https
        if self.hsts_seconds and https:
            value = f"max-age={self.hsts_seconds}; includeSubDomains".encode()
            headers.append((b"strict-transport-security", value))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.docs_path is not None and scope.get("path") == self.docs_path:
            await self._docs(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = {name for name, _ in message.get("headers", [])}
                extra = [item for item in self._headers(scope, self.policy) if item[0] not in own]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the /docs page until its body is known, then allow its inline scripts."""
        start: Message | None = None
        body = b""

        async def buffered(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                body += message.get("body", b"")
                if message.get("more_body", False):
                    return
                if start is None:  # an ASGI app must start a response before its body
                    return
                scripts = [hash_source(found) for found in _INLINE_SCRIPT.findall(body)]
                policy = content_security_policy(
                    style_hashes=self.style_hashes, script_hashes=scripts, docs=True
                )
                start["headers"] = list(start.get("headers", [])) + self._headers(
                    scope, policy.encode()
                )
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, buffered)
