"""Video room links from the provider URL template (the setting video_room_url_template, checked
when settings load), e.g. `https://meet.example.org/{room}`: any provider, nothing hard-coded.
Room names are `secrets.token_urlsafe` (URL-safe, unguessable), one per visit."""

from __future__ import annotations

import secrets
from urllib.parse import quote

#: 24 random bytes → 32 URL-safe characters (192 bits): not guessable, not enumerable.
ROOM_BYTES = 24


def new_room_name() -> str:
    return secrets.token_urlsafe(ROOM_BYTES)


def room_link(template: str, room: str) -> str:
    """The join link for `room` (percent-encoded; token_urlsafe names need none)."""
    return template.format(room=quote(room, safe=""))
