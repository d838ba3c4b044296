"""iCalendar output (RFC 5545: escaping, folding, CRLF, UTC, METHOD/SEQUENCE) and room links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from painpath.config import Settings
from painpath.telehealth.ics import CalendarEvent, escape_text, fold, render
from painpath.telehealth.rooms import new_room_name, room_link


def event(**changes: object) -> CalendarEvent:
    base: dict[str, object] = {
        "uid": "abc123@painpath",
        "sequence": 0,
        "starts_at": datetime(2026, 12, 14, 8, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 14, 8, 30, tzinfo=UTC),
        "stamp": datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
        "summary": "Video visit with Dr Rivera, MD; pain clinic",
        "description": "Line one\nLine two \\ backslash",
        "location": "https://meet.example.org/room",
        "organizer_name": 'Dr "Ana" Rivera',
        "organizer_email": "rivera@clinic.example",
    }
    base.update(changes)
    return CalendarEvent(**base)  # type: ignore[arg-type]


def test_text_is_escaped() -> None:
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_lines_fold_at_75_octets_without_splitting_characters() -> None:
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part.removeprefix(" ") if i else part for i, part in enumerate(parts)) == line


def test_a_booked_visit_renders_a_published_event_in_utc() -> None:
    text = render(event())
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert "METHOD:PUBLISH" in lines
    assert "UID:abc123@painpath" in lines
    assert "SEQUENCE:0" in lines
    assert "DTSTART:20261214T080000Z" in lines
    assert "DTEND:20261214T083000Z" in lines
    assert "SUMMARY:Video visit with Dr Rivera\\, MD\\; pain clinic" in lines
    assert "DESCRIPTION:Line one\\nLine two \\\\ backslash" in lines
    assert 'ORGANIZER;CN="Dr Ana Rivera":mailto:rivera@clinic.example' in lines
    assert "STATUS:CONFIRMED" in lines
    assert "BEGIN:VALARM" in lines


def test_a_cancelled_visit_keeps_its_uid_with_a_higher_sequence() -> None:
    lines = render(event(sequence=1, cancelled=True)).split("\r\n")
    assert "METHOD:CANCEL" in lines
    assert "SEQUENCE:1" in lines
    assert "STATUS:CANCELLED" in lines
    assert "UID:abc123@painpath" in lines
    assert "BEGIN:VALARM" not in lines


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        render(event(starts_at=datetime(2026, 12, 14, 8, 0)))


def test_room_names_are_unguessable_and_links_follow_the_template() -> None:
    names = {new_room_name() for _ in range(200)}
    assert len(names) == 200
    assert all(
        len(name) >= 32 and name.replace("-", "").replace("_", "").isalnum() for name in names
    )
    assert (
        room_link("https://meet.example.org/{room}", "abc_-1") == "https://meet.example.org/abc_-1"
    )
    assert room_link("https://v.example/j?r={room}&x=1", "a") == "https://v.example/j?r=a&x=1"


@pytest.mark.parametrize(
    "template",
    [
        "http://meet.example.org/{room}",
        "https://meet.example.org/",
        "https://meet.example.org/{room}/{room}",
        "https://meet.example.org/{room}{other}",
        "https://user:secret@meet.example.org/{room}",
        "https://meet.example.org/{room} x",
        "javascript:alert(1)//{room}",
        "https://meet.example.org/{room",
    ],
)
def test_unusable_provider_templates_are_refused(template: str) -> None:
    with pytest.raises(ValueError, match="video_room_url_template"):
        Settings(video_room_url_template=template)


def test_localhost_may_use_http() -> None:
    assert Settings(video_room_url_template="http://localhost:8443/{room}").video_room_url_template
