"""Secure messages through the API, on SQLite and PostgreSQL: a patient writes to their own care
team, staff on the team read and reply, read state is kept per participant, attachments are
checked by their bytes and served only as attachments, and every read is audited."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from painpath.config import Environment, Settings
from painpath.models import AuditEvent, AuditOutcome, CareTeam, User
from painpath.models.notification import OutboxMessage
from tests.messaging import files
from tests.support.cohort import Cast
from tests.support.walk import BOOKKEEPING_TABLES, database_snapshot

ATTACHMENT_LIMIT = 64 * 1024


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        data_dir=tmp_path / "data",
        upload_dir=tmp_path / "spool",
        max_attachment_bytes=ATTACHMENT_LIMIT,
    )


@pytest.fixture
def headers(client: TestClient, cast: Cast) -> dict[str, dict[str, str]]:
    return {
        name: cast.headers(client, name)
        for name in ("patient", "clinician", "pharmacist", "admin", "other_patient")
    }


def threads_url(patient_id: int) -> str:
    return f"/api/patients/{patient_id}/message-threads"


def open_thread(
    client: TestClient,
    headers: dict[str, str],
    patient_id: int,
    *,
    attachment: tuple[str, bytes, str] | None = None,
    **fields: str,
) -> Any:
    data = {"subject": "Pain after the new dose", "body": "Since Monday it is worse."} | fields
    if attachment is None:  # text only: JSON; with a file: multipart/form-data
        return client.post(threads_url(patient_id), json=data, headers=headers)
    return client.post(
        threads_url(patient_id), data=data, files={"attachment": attachment}, headers=headers
    )


def attachments_dir(settings: Settings) -> Path:
    return settings.data_dir / "attachments"


def stored_files(settings: Settings) -> list[Path]:
    root = attachments_dir(settings)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_a_thread_round_trip_keeps_read_state_per_participant(
    client: TestClient, cast: Cast, headers: dict[str, dict[str, str]]
) -> None:
    home = cast.home_patient_id
    opened = open_thread(client, headers["patient"], home)
    assert opened.status_code == 201, opened.text
    thread = opened.json()
    assert thread["subject"] == "Pain after the new dose"
    assert thread["unread_count"] == 0  # the author has read their own message
    assert [m["author_role"] for m in thread["messages"]] == ["patient"]

    def unread(name: str) -> int:
        answer = client.get("/api/message-threads/unread-count", headers=headers[name])
        assert answer.status_code == 200, answer.text
        return int(answer.json()["unread_count"])

    assert (unread("clinician"), unread("pharmacist"), unread("patient")) == (1, 1, 0)
    inbox = client.get("/api/message-threads", headers=headers["clinician"]).json()
    assert [(item["id"], item["unread_count"]) for item in inbox["items"]] == [(thread["id"], 1)]

    url = f"{threads_url(home)}/{thread['id']}"
    seen = client.get(url, headers=headers["clinician"]).json()
    assert [m["unread"] for m in seen["messages"]] == [True]
    assert (unread("clinician"), unread("pharmacist")) == (0, 1)  # per participant
    again = client.get(url, headers=headers["clinician"]).json()
    assert [m["unread"] for m in again["messages"]] == [False]

    answer = client.post(
        f"{url}/messages",
        json={"body": "Take it with food; call if it persists."},
        headers=headers["clinician"],
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["author_name"] == "Dr Home"
    assert (unread("patient"), unread("clinician"), unread("pharmacist")) == (1, 0, 2)
    listed = client.get(threads_url(home), headers=headers["patient"]).json()
    assert [(item["message_count"], item["unread_count"]) for item in listed["items"]] == [(2, 1)]


def test_the_same_client_id_stores_one_thread_and_one_reply(
    client: TestClient, cast: Cast, headers: dict[str, dict[str, str]]
) -> None:
    home = cast.home_patient_id
    first = open_thread(client, headers["patient"], home, client_id="tap-1")
    second = open_thread(client, headers["patient"], home, client_id="tap-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    url = f"{threads_url(home)}/{first.json()['id']}/messages"
    body = {"body": "Thank you", "client_id": "tap-2"}
    replies = [client.post(url, json=body, headers=headers["patient"]) for _ in range(2)]
    assert [r.status_code for r in replies] == [201, 200]
    thread = client.get(url.rsplit("/", 1)[0], headers=headers["patient"]).json()
    assert [m["body"] for m in thread["messages"]] == ["Since Monday it is worse.", "Thank you"]


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("letter.pdf", files.pdf(), "application/pdf"),
        ("knee.png", files.png(), "image/png"),
        ("rash.JPEG", files.jpeg(), "image/jpeg"),
    ],
)
def test_an_attachment_is_stored_by_its_hash_and_served_only_as_an_attachment(
    client: TestClient,
    cast: Cast,
    headers: dict[str, dict[str, str]],
    settings: Settings,
    name: str,
    content: bytes,
    media_type: str,
) -> None:
    home = cast.home_patient_id
    opened = open_thread(client, headers["patient"], home, attachment=(name, content, "text/html"))
    assert opened.status_code == 201, opened.text
    attachment = opened.json()["messages"][0]["attachments"][0]
    assert (attachment["filename"], attachment["media_type"]) == (name, media_type)
    digest = hashlib.sha256(content).hexdigest()
    assert stored_files(settings) == [attachments_dir(settings) / digest[:2] / digest]

    download = client.get(attachment["download_url"], headers=headers["clinician"])
    assert download.status_code == 200, download.text
    assert download.content == content
    # The type its bytes showed, not the client's claim; a name painpath made, never shown inline.
    assert download.headers["content-type"] == media_type
    extension = ".jpg" if media_type == "image/jpeg" else name[-4:]
    assert download.headers["content-disposition"] == (
        f'attachment; filename="painpath-attachment-{attachment["id"]}{extension}"'
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in download.headers["cache-control"]

    # The same file again is kept once.
    again = open_thread(client, headers["patient"], home, attachment=(name, content, media_type))
    assert again.status_code == 201
    assert len(stored_files(settings)) == 1


HOSTILE = [
    pytest.param("notes.pdf", b"just some text, not a PDF\n", 422, id="wrong-type"),
    pytest.param("scan.pdf", files.png(), 422, id="png-named-pdf"),
    pytest.param("empty.pdf", b"", 422, id="zero-bytes"),
    pytest.param("big.pdf", files.pdf() + b"\0" * ATTACHMENT_LIMIT, 413, id="oversize"),
    pytest.param("page.html", b"<script>alert(1)</script>", 422, id="html"),
    pytest.param("archive.pdf", b"PK\x03\x04" + b"\0" * 100, 422, id="zip-named-pdf"),
]


@pytest.mark.parametrize(("name", "content", "status"), HOSTILE)
@pytest.mark.parametrize("kind", ["thread", "reply"])
def test_a_hostile_attachment_is_refused_naming_the_field_and_writes_nothing(
    client: TestClient,
    cast: Cast,
    headers: dict[str, dict[str, str]],
    settings: Settings,
    engine: Engine,
    name: str,
    content: bytes,
    status: int,
    kind: str,
) -> None:
    home = cast.home_patient_id
    existing = open_thread(client, headers["patient"], home).json()
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    if kind == "thread":
        answer = open_thread(
            client, headers["patient"], home, attachment=(name, content, "application/pdf")
        )
    else:
        answer = client.post(
            f"{threads_url(home)}/{existing['id']}/messages",
            data={"body": "see the file"},
            files={"attachment": (name, content, "application/pdf")},
            headers=headers["patient"],
        )
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert problem["errors"][0]["field"] == "attachment", problem
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before
    assert stored_files(settings) == []
    assert list((settings.upload_dir or Path("/nonexistent")).iterdir()) == []


def test_text_fields_are_checked_and_named(
    client: TestClient, cast: Cast, headers: dict[str, dict[str, str]]
) -> None:
    home = cast.home_patient_id
    blank = open_thread(client, headers["patient"], home, body="   ", attachment=None)
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "body"
    long = open_thread(client, headers["patient"], home, subject="x" * 201)
    assert long.json()["errors"][0]["field"] == "subject"
    as_json = client.post(
        threads_url(home), json={"subject": "Hi", "body": "x" * 5001}, headers=headers["patient"]
    )
    assert as_json.status_code == 422
    assert as_json.json()["errors"][0]["field"] == "body"
    plain = client.post(
        threads_url(home),
        content=b"hello",
        headers={**headers["patient"], "content-type": "text/plain"},
    )
    assert plain.status_code == 415


@pytest.fixture
def foreign_thread(client: TestClient, cast: Cast) -> dict[str, Any]:
    """A thread of the foreign patient, with an attachment, opened by that patient."""
    own = cast.headers(client, "other_patient")
    opened = open_thread(
        client, own, cast.foreign_patient_id, attachment=("away.pdf", files.pdf("away"), "")
    )
    assert opened.status_code == 201, opened.text
    return dict(opened.json())


def test_a_patient_cannot_read_or_write_another_patients_threads_or_attachments(
    app: FastAPI,
    client: TestClient,
    cast: Cast,
    headers: dict[str, dict[str, str]],
    foreign_thread: dict[str, Any],
) -> None:
    foreign = cast.foreign_patient_id
    thread_url = f"{threads_url(foreign)}/{foreign_thread['id']}"
    attachment = foreign_thread["messages"][0]["attachments"][0]
    patient = headers["patient"]
    attempts = [
        client.get(threads_url(foreign), headers=patient),
        client.get(thread_url, headers=patient),
        client.get(attachment["download_url"], headers=patient),
        open_thread(client, patient, foreign),
        client.post(f"{thread_url}/messages", json={"body": "hello"}, headers=patient),
    ]
    assert [answer.status_code for answer in attempts] == [403] * 5
    assert all("away" not in answer.text for answer in attempts)
    # Their own patient id with the other patient's thread or attachment ids: not found.
    home = cast.home_patient_id
    borrowed = [
        client.get(f"{threads_url(home)}/{foreign_thread['id']}", headers=patient),
        client.get(
            f"{threads_url(home)}/{foreign_thread['id']}/attachments/{attachment['id']}",
            headers=patient,
        ),
        client.post(
            f"{threads_url(home)}/{foreign_thread['id']}/messages",
            json={"body": "hello"},
            headers=patient,
        ),
    ]
    assert [answer.status_code for answer in borrowed] == [404] * 3
    listed = client.get("/api/message-threads", headers=patient).json()
    assert listed["items"] == []
    with app.state.session_factory() as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.outcome == AuditOutcome.denied,
                AuditEvent.patient_id == foreign,
                AuditEvent.user_id == cast.user_ids["patient"],
            )
        ).all()
    assert len(denied) == 5


def test_only_the_active_care_team_takes_part(
    app: FastAPI,
    client: TestClient,
    cast: Cast,
    headers: dict[str, dict[str, str]],
) -> None:
    home = cast.home_patient_id
    thread = open_thread(client, headers["patient"], home).json()
    url = f"{threads_url(home)}/{thread['id']}"
    assert client.get(url, headers=headers["admin"]).status_code == 403
    with app.state.session_factory() as session:
        session.execute(update(CareTeam).where(CareTeam.patient_id == home).values(active=False))
        session.commit()
    assert client.get(url, headers=headers["clinician"]).status_code == 403
    # No team left to write to: the patient is told so, naming why.
    refused = client.post(f"{url}/messages", json={"body": "anyone?"}, headers=headers["patient"])
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "care_team"


def test_every_read_is_audited(
    app: FastAPI, client: TestClient, cast: Cast, headers: dict[str, dict[str, str]]
) -> None:
    home = cast.home_patient_id
    opened = open_thread(
        client, headers["patient"], home, attachment=("letter.pdf", files.pdf(), "")
    ).json()
    attachment = opened["messages"][0]["attachments"][0]
    clinician = headers["clinician"]
    client.get("/api/message-threads", headers=clinician)
    client.get(threads_url(home), headers=clinician)
    client.get(f"{threads_url(home)}/{opened['id']}", headers=clinician)
    client.get(attachment["download_url"], headers=clinician)
    with app.state.session_factory() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.user_id == cast.user_ids["clinician"],
                AuditEvent.patient_id == home,
                AuditEvent.outcome == AuditOutcome.success,
            )
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.resource_type, e.resource_id, e.detail) for e in events] == [
        ("search", "MessageThread", str(opened["id"]), "message inbox"),
        ("read", "MessageThread", None, "thread list: 1 of 1 threads"),
        ("read", "MessageThread", str(opened["id"]), "thread: 1 messages"),
        (
            "read",
            "MessageAttachment",
            str(attachment["id"]),
            f"attachment download: message {opened['messages'][0]['id']}",
        ),
    ]


def test_the_care_team_is_notified_once_per_message_without_its_content(
    app: FastAPI, client: TestClient, cast: Cast, headers: dict[str, dict[str, str]]
) -> None:
    with app.state.session_factory() as session:
        for name in ("clinician", "pharmacist", "patient"):
            user = session.get(User, cast.user_ids[name])
            assert user is not None
            user.email = f"{name}@clinic.example"
        session.commit()
    home = cast.home_patient_id
    opened = open_thread(client, headers["patient"], home, client_id="once").json()
    open_thread(client, headers["patient"], home, client_id="once")  # a double submit
    message_id = opened["messages"][0]["id"]
    with app.state.session_factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(row.idempotency_key, row.recipient) for row in rows] == [
        (f"message:{message_id}:to:{cast.user_ids['clinician']}", "clinician@clinic.example"),
        (f"message:{message_id}:to:{cast.user_ids['pharmacist']}", "pharmacist@clinic.example"),
    ]
    for row in rows:
        for secret in ("Since Monday", "Pain after", "Hana", "HOME-1"):
            assert secret not in row.subject + row.body
        assert f"/patients/{home}/messages/{opened['id']}" in row.body
    reply = client.post(
        f"{threads_url(home)}/{opened['id']}/messages",
        json={"body": "Noted."},
        headers=headers["clinician"],
    ).json()
    with app.state.session_factory() as session:
        keys = session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.id > rows[-1].id)
        ).all()
    # The clinician's reply: the patient and the pharmacist, never its author.
    assert sorted(keys) == sorted(
        f"message:{reply['id']}:to:{cast.user_ids[name]}" for name in ("patient", "pharmacist")
    )
