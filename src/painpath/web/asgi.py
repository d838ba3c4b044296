"""The app as an import string, for server processes that build their own (`serve --workers`).

Each worker process imports this module and calls the factory, so the app reads the same
PAINPATH_* environment the parent command checked.
"""

from __future__ import annotations

from fastapi import FastAPI

from painpath.config import Settings
from painpath.web.app import create_app
from painpath.web.heap import collect_startup_garbage


def app_from_environment() -> FastAPI:
    """A new app from the PAINPATH_* environment (uvicorn calls it once per worker)."""
    app = create_app(Settings())
    collect_startup_garbage()
    return app
