"""`painpath serve`: the web app under uvicorn, after the checks that make starting safe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from painpath.cli.common import load_settings, reported_errors
from painpath.cli.database import require_head
from painpath.config import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

HostOption = Annotated[
    str | None, typer.Option(help="Interface to listen on [default: PAINPATH_HOST or 127.0.0.1]")
]
PortOption = Annotated[
    int | None, typer.Option(help="Port to listen on [default: PAINPATH_PORT or 8000]")
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=64,
        help="Server processes [default: PAINPATH_WORKERS or 1; production: one per core]",
    ),
]

#: What `serve --workers N` (N > 1) gives uvicorn: each worker builds its own app.
APP_FACTORY = "painpath.web.asgi:app_from_environment"


def prepare_app(settings: Settings) -> FastAPI:
    """The app, once the settings are safe and the database is migrated to the newest revision."""
    # The web stack is imported here, not at the top: every other command starts faster.
    from painpath.web.app import create_app
    from painpath.web.heap import collect_startup_garbage

    settings.check_safe_for_production()
    require_head(settings.database_url)
    app = create_app(settings)
    collect_startup_garbage()
    return app


#: Open files a server process asks for: every open connection (an idle alert stream too) is
#: one, and the common soft limit of 1024 would refuse connections at about a thousand.
OPEN_FILES_WANTED = 65536


def raise_open_file_limit() -> int:
    """Raise this process's soft open-file limit towards `OPEN_FILES_WANTED` (never above the
    hard limit, which only the administrator can raise); the soft limit now in force. Worker
    processes inherit it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES_WANTED if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES_WANTED)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return int(soft)


def run_server(
    app: FastAPI | str, host: str, port: int, *, workers: int = 1, grace_seconds: float = 10.0
) -> None:
    """uvicorn on `app`; SIGTERM stops accepting, lets requests in flight finish for at most
    `grace_seconds`, then closes what is left (alert streams included) and exits."""
    import uvicorn

    raise_open_file_limit()
    uvicorn.run(
        app,
        host=host,
        port=port,
        workers=workers,
        # httptools parses HTTP in C (h11, the pure-Python fallback, cost a third of the event
        # loop's time on a 60 KB CDS hook call); a dependency, so never the fallback.
        http="httptools",
        factory=isinstance(app, str),
        # X-Forwarded-For is handled by the app, and only from PAINPATH_TRUSTED_PROXIES.
        proxy_headers=False,
        timeout_graceful_shutdown=max(1, round(grace_seconds)),
    )


def serve(host: HostOption = None, port: PortOption = None, workers: WorkersOption = None) -> None:
    """Run the web app (JSON API, pages, CDS Hooks, /docs)."""
    with reported_errors():
        settings = load_settings()
        app = prepare_app(settings)
    processes = workers or settings.workers
    # One process serves the app just checked; several each build their own from the same
    # environment (uvicorn needs an import string to start worker processes).
    target: FastAPI | str = app if processes == 1 else APP_FACTORY
    run_server(
        target,
        host or settings.host,
        port or settings.port,
        workers=processes,
        grace_seconds=settings.shutdown_grace_seconds,
    )
