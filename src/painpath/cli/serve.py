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


def prepare_app(settings: Settings) -> FastAPI:
    """The app, once the settings are safe and the database is migrated to the newest revision."""
    # The web stack is imported here, not at the top: every other command starts faster.
    from painpath.web.app import create_app

    settings.check_safe_for_production()
    require_head(settings.database_url)
    return create_app(settings)


def run_server(app: FastAPI, host: str, port: int) -> None:
    import uvicorn

    # X-Forwarded-For is handled by the app, and only from PAINPATH_TRUSTED_PROXIES.
    uvicorn.run(app, host=host, port=port, proxy_headers=False)


def serve(host: HostOption = None, port: PortOption = None) -> None:
    """Run the web app (JSON API, pages, /docs)."""
    with reported_errors():
        settings = load_settings()
        app = prepare_app(settings)
    run_server(app, host or settings.host, port or settings.port)
