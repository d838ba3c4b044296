"""The patient app's installable shell: its web app manifest and its service worker.

Both are served from /app/ so the worker's scope is /app/ without a `Service-Worker-Allowed`
header. The worker's cache name carries a hash of the shell files, so any change to the
app's scripts, styles, icons or manifest installs a new worker with a fresh cache and the old
one is deleted when it activates.
"""

from __future__ import annotations

import hashlib
from functools import cache

from fastapi import APIRouter, Response

from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import STATIC_DIR

router = APIRouter(route_class=UIRoute)

APP_STATIC = STATIC_DIR / "app"
MANIFEST_PATH = "/app/manifest.webmanifest"
WORKER_PATH = "/app/sw.js"
#: Static files the worker stores at install (besides the app's own pages).
SHELL_FILES = (
    "painpath.css",
    "favicon.svg",
    "app/app.css",
    "app/app.js",
    "app/outbox.js",
    "app/manifest.webmanifest",
    "app/icons/icon.svg",
    "app/icons/icon-192.png",
    "app/icons/icon-512.png",
    "app/icons/icon-maskable-512.png",
)
_VERSION_MARK = "__SHELL_VERSION__"
_ASSETS_MARK = '"__SHELL_ASSETS__"'


@cache
def shell_version() -> str:
    """A short hash of the worker and every shell file: the cache's version."""
    digest = hashlib.sha256((APP_STATIC / "sw.js").read_bytes())
    for name in SHELL_FILES:
        digest.update(name.encode() + b"\0" + (STATIC_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


@cache
def _worker_source() -> bytes:
    assets = ", ".join(f'"/static/{name}"' for name in SHELL_FILES)
    text = (APP_STATIC / "sw.js").read_text("utf-8")
    return text.replace(_VERSION_MARK, shell_version()).replace(_ASSETS_MARK, assets).encode()


@router.get(MANIFEST_PATH)
def manifest() -> Response:
    return Response(
        (APP_STATIC / "manifest.webmanifest").read_bytes(),
        media_type="application/manifest+json",
    )


@router.get(WORKER_PATH)
def service_worker() -> Response:
    # no-cache: the browser checks for a new worker on every navigation.
    return Response(
        _worker_source(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/app/"},
    )
