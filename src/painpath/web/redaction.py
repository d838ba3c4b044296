"""Keep server file paths out of error messages sent to clients.

Messages from file readers name the file by its path on the server (an upload's temporary
file, a data file of the package). A client learns nothing it needs from the directory and
an attacker learns the layout, so every absolute path in a problem detail is cut to its last
component ("upload.zip, line 1: …"), except paths of this app's own URLs.
"""

from __future__ import annotations

import re

#: First segments of this app's URLs: such paths in a message are routes, not files.
APP_URL_ROOTS = frozenset(
    {
        "api",
        "cds-services",
        "static",
        "docs",
        "openapi.json",
        "health",
        "admin",
        "login",
        "logout",
        "me",
        "panel",
        "patients",
    }
)
_STOP = r"\s'\"`,;:()\[\]{}<>|"
_POSIX_PATH = re.compile(rf"(?<![\w./~-])/(?:[^/{_STOP}]+/)+[^/{_STOP}]*")
_WINDOWS_PATH = re.compile(rf"\b[A-Za-z]:\\(?:[^\\{_STOP}]+\\)*[^\\{_STOP}]*")


def _last_component(match: re.Match[str]) -> str:
    text = match.group(0)
    parts = [part for part in re.split(r"[\\/]", text) if part]
    if text.startswith("/") and parts and parts[0] in APP_URL_ROOTS:
        return text
    return parts[-1] if len(parts) > 1 else "the file"


def redact_paths(message: str) -> str:
    """`message` with each server file path replaced by its last component."""
    return _WINDOWS_PATH.sub(_last_component, _POSIX_PATH.sub(_last_component, message))
