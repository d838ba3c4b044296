"""iCalendar (RFC 5545) for one visit: VCALENDAR with METHOD, one VEVENT in UTC.

Text values are escaped (backslash, semicolon, comma, newline: RFC 5545 §3.3.11), lines are
folded at 75 octets without splitting a UTF-8 character (§3.1) and end in CRLF. The UID is
stable per visit; a cancellation is METHOD:CANCEL with STATUS:CANCELLED and a higher SEQUENCE
(RFC 5546 §3.2.5), so calendars replace the event instead of adding one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//painpath//telehealth visits//EN"
LINE_OCTETS = 75


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    summary: str
    description: str
    location: str  # the join link
    organizer_name: str
    organizer_email: str | None = None
    cancelled: bool = False


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11); CR/LF pairs become one \\n."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def utc_stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, continuation lines led by a space."""
    out: list[str] = []
    current = ""
    limit = LINE_OCTETS
    for char in line:
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
            limit = LINE_OCTETS - 1  # the leading space counts
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _param(value: str) -> str:
    """A parameter value: quoted, with characters a quoted value cannot hold removed."""
    cleaned = "".join(ch for ch in value if ch not in '"\r\n' and (ch >= " " or ch == "\t"))
    return f'"{cleaned}"'


def render(event: CalendarEvent) -> str:
    method = "CANCEL" if event.cancelled else "PUBLISH"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"LOCATION:{escape_text(event.location)}",
        f"URL:{event.location}",
        *(
            [f"ORGANIZER;CN={_param(event.organizer_name)}:mailto:{event.organizer_email}"]
            if event.organizer_email
            else []
        ),
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
    ]
    if not event.cancelled:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(event.summary)}",
            "TRIGGER:-PT15M",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
