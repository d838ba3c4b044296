"""The message pages as a browser posts them (multipart forms with a CSRF token), on SQLite and
PostgreSQL: a refused file is explained (the form shown again with the field marked; a file
over the limit, whose reading stops there, on the error page naming the limit) and nothing
is kept; a form
without the session's token is refused before anything is stored; the inbox and the
navigation count unread messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from painpath.config import Environment, Settings
from tests.messaging import files
from tests.support.cohort import PASSWORD, Cast
from tests.support.walk import BOOKKEEPING_TABLES, database_snapshot

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        data_dir=tmp_path / "data",
        max_attachment_bytes=32 * 1024,
    )


def signed_in(client: TestClient, username: str) -> str:
    """Sign in through the login form; the CSRF token of the session's pages."""
    page = client.get("/login")
    token = CSRF.search(page.text)
    assert token, page.text[:300]
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    home = client.get(answer.headers["location"])
    found = CSRF.search(home.text)
    assert found
    return found.group(1)


def send(
    client: TestClient,
    url: str,
    token: str,
    attachment: tuple[str, bytes, str] | None,
    **fields: str,
) -> object:
    data = {"csrf_token": token, "subject": "Knee", "body": "See the scan", **fields}
    return client.post(
        url,
        data=data,
        files={"attachment": attachment or ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )


@pytest.mark.parametrize(
    ("name", "content", "status", "says"),
    [
        ("scan.pdf", files.png(), 422, "its name &#39;scan.pdf&#39; does not end in .png"),
        ("notes.pdf", b"plain words", 422, "Attach a PDF, PNG or JPEG file"),
        ("big.png", files.png() + b"\0" * 40_000, 413, "larger than 32768 bytes"),
    ],
)
def test_a_refused_file_is_explained_and_nothing_is_kept(
    client: TestClient,
    cast: Cast,
    settings: Settings,
    engine: Engine,
    name: str,
    content: bytes,
    status: int,
    says: str,
) -> None:
    token = signed_in(client, "patient")
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    url = f"/patients/{cast.home_patient_id}/messages"
    answer = send(client, url, token, (name, content, "application/pdf"))
    assert answer.status_code == status  # type: ignore[attr-defined]
    html = answer.text  # type: ignore[attr-defined]
    assert says in html
    if status == 422:  # the form again, the field marked, what was typed kept
        assert 'id="attachment-error"' in html
        assert 'aria-invalid="true"' in html
        assert 'value="Knee"' in html
    else:  # reading stopped at the limit: the error page names it
        assert "PAINPATH_MAX_ATTACHMENT_BYTES" in html
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before
    assert not (settings.data_dir / "attachments").exists()


def test_a_form_without_the_sessions_token_stores_nothing(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    signed_in(client, "patient")
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    url = f"/patients/{cast.home_patient_id}/messages"
    answer = send(client, url, "forged", ("letter.pdf", files.pdf(), "application/pdf"))
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert "This form has expired" in answer.text  # type: ignore[attr-defined]
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before


def test_the_inbox_and_navigation_count_unread_messages(client: TestClient, cast: Cast) -> None:
    token = signed_in(client, "patient")
    url = f"/patients/{cast.home_patient_id}/messages"
    sent = send(client, url, token, None)
    assert sent.status_code == 303, sent.text  # type: ignore[attr-defined]
    thread_url = sent.headers["location"]  # type: ignore[attr-defined]
    client.cookies.clear()
    signed_in(client, "clinician")
    inbox = client.get("/messages")
    assert inbox.status_code == 200
    assert "1 unread" in inbox.text
    assert 'Messages <span class="count">1<span class="visually-hidden"> unread' in inbox.text
    assert f'href="{thread_url}"' in inbox.text
    thread = client.get(thread_url)
    assert "See the scan" in thread.text
    assert '<span class="count">' not in thread.text  # read now
    assert "1 unread" not in client.get("/messages").text
