"""The application factory."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from starlette.middleware.sessions import SessionMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from painpath import __version__
from painpath.audit.chaining import chain_now
from painpath.audit.flood import DenialThrottle
from painpath.config import Settings, get_settings
from painpath.db.engine import make_engine, make_session_factory
from painpath.pgx.html import report_stylesheet
from painpath.web.admission import AdmissionControlMiddleware
from painpath.web.api import api_router
from painpath.web.cds import router as cds_router
from painpath.web.heap import startup_heap_frozen
from painpath.web.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    hash_source,
)
from painpath.web.openapi import install_openapi
from painpath.web.problems import UnexpectedErrorMiddleware, install_problem_handlers
from painpath.web.signing_key import session_signing_key
from painpath.web.ui import STATIC_DIR, ui_router
from painpath.web.ui.error_pages import error_page

#: Worker threads beyond the admission limit, for the requests it does not count.
SPARE_THREADS = 8
#: Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005).
#: A request thread coming back from the database waits up to this long for the GIL, and the
#: audit trail's append held the chain head's lock across its statements and the commit (SQLite
#: still does; PostgreSQL chains after the commit since): with the default, every request of
#: both processes queued behind that lock holder's GIL waits (issue 15: throughput stopped near
#: 50 req/s with the cores not busy). 1 ms hands the GIL back sooner, at a small cost in
#: switches.
GIL_SWITCH_SECONDS = 0.001


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_safe_for_production()
    engine = engine or make_engine(
        settings.database_url, pool_size=settings.max_concurrent_requests
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Admitted requests each hold at most one worker thread at a time (FastAPI runs sync
        # dependencies and endpoints one after another), so a thread pool larger than the
        # admission limit never leaves a request that holds a database connection waiting for
        # a thread; the spare threads serve /health and the alert streams' short polls.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.max_concurrent_requests + SPARE_THREADS
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        # The startup heap is frozen out of the collector's full passes, which otherwise stopped
        # every thread for 100–330 ms: the p99 of order-sign at 100 req/s and of /health and the
        # API with 500 alert streams open (issue 15; web/heap.py, bench/README.md).
        try:
            with startup_heap_frozen():
                yield
        finally:
            sys.setswitchinterval(switch_interval)
            # Nothing left queued by this process's last requests (PostgreSQL).
            if engine.dialect.name == "postgresql":
                await anyio.to_thread.run_sync(chain_now, engine)

    app = FastAPI(
        lifespan=lifespan,
        title="painpath",
        version=__version__,
        description="Personalized, multimodal chronic-pain care. Synthetic data only in demos.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)

    install_problem_handlers(app, page=error_page)
    install_openapi(app)
    # CDS hook calls first: every request is matched against the routes in order, and the
    # hook call is the hot path (issue 15); no /api route shares its prefix.
    app.include_router(cds_router)
    app.include_router(api_router)
    app.include_router(ui_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """Browsers ask for it on every page (the printable PGx report's too): answer, not 404."""
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness and database reachability; no authentication, no patient data."""
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": engine.dialect.name}

    # Added innermost first: sessions sit inside the size limit, which sits inside the last
    # resort for unexpected errors (a complete 500, the connection kept), inside admission
    # control (a bounded number of requests at once, 503 past it), inside the request context
    # (so every answer, the 500 and the 503 too, carries the request id).
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_signing_key(settings),
        session_cookie="painpath_session",
        max_age=settings.session_minutes * 60,
        same_site="lax",
        https_only=settings.cookies_secure,
    )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(UnexpectedErrorMiddleware, page=error_page)
    app.add_middleware(
        AdmissionControlMiddleware,
        limit=settings.max_concurrent_requests,
        queue_timeout=settings.queue_timeout_seconds,
    )
    app.add_middleware(
        RequestContextMiddleware,
        denial_throttle=DenialThrottle(
            per_address=settings.audit_anonymous_denials_per_address,
            total=settings.audit_anonymous_denials_per_minute,
        ),
        audit_chain_batch_seconds=settings.audit_chain_batch_seconds,
    )
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts_seconds=settings.hsts_seconds,
        always_https=(settings.public_base_url or "").startswith("https://"),
        style_hashes=(hash_source(report_stylesheet()),),
        docs_path=app.docs_url,
    )
    if settings.trusted_proxy_networks:
        # Outermost: the audit trail and the login throttle see the client the proxy names.
        # Without trusted proxies, X-Forwarded-For is ignored (uvicorn runs with it off).
        trusted = [str(network) for network in settings.trusted_proxy_networks]
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    return app
