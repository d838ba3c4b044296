"""`painpath demo run` as a user starts it: a real process that migrates, seeds the synthetic
cohort, runs the alert sweep and serves on a loopback port, until the test is done with it."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from painpath.demo.staff import (
    CLINICIANS,
    DEMO_PASSWORD,
    PATIENT_ACCOUNT_FAMILY_NAMES,
    STAFF,
    patient_username,
)
from tests.support.page_walk import browser_client, sign_in_through_form
from tests.support.walk import assignment_body, lab_calls_body

PAINPATH = str(Path(sys.executable).parent / "painpath")
#: Seeding a few dozen patients and the sweep take seconds; a loaded CI machine gets slack.
STARTUP_SECONDS = 180
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    output: Path

    @staticmethod
    def logins() -> list[str]:
        """Every demo login: the staff and the patient accounts."""
        staff = [login.username for login in STAFF]
        return staff + [patient_username(name) for name in PATIENT_ACCOUNT_FAMILY_NAMES]

    password = DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def demo_server(
    database_url: str, folder: Path, *, patients: int, as_of: date | None = None
) -> Iterator[DemoServer]:
    """Run `painpath demo run` against `database_url` (empty, so it seeds) until the block ends."""
    port = _free_port()
    output = folder / "demo-run.log"
    env = {
        **os.environ,
        "PAINPATH_DATABASE_URL": database_url,
        "PAINPATH_ENVIRONMENT": "development",
        "PAINPATH_SECRET_KEY": secrets.token_urlsafe(48),
    }
    command = [
        PAINPATH,
        "demo",
        "run",
        "--patients",
        str(patients),
        *(["--as-of", as_of.isoformat()] if as_of else []),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    base_url = f"http://127.0.0.1:{port}"
    with output.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(process, base_url, output)
        yield DemoServer(base_url, output)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _wait_until_serving(process: subprocess.Popen[bytes], base_url: str, output: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"painpath demo run exited: {output.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"painpath demo run did not serve: {output.read_text()[-3000:]}")
        time.sleep(0.2)


def add_a_lab_report_and_a_questionnaire(server: DemoServer) -> None:
    """The demo seeds genotype results and answered questionnaires, but no uploaded PGx report
    and no questionnaire assignment: a clinician on pat.jones's care team adds both, as a
    newcomer trying the product would, so the walk meets those pages too."""
    with browser_client(server.base_url) as client:
        home = sign_in_through_form(client, "pat.jones", server.password)
        patient_url = urlsplit(str(home.url)).path
        assert re.fullmatch(r"/patients/\d+", patient_url), patient_url
    for clinician in (login.username for login in CLINICIANS):
        with browser_client(server.base_url) as client:
            page = sign_in_through_form(client, clinician, server.password)
            if client.get(f"/api{patient_url}").status_code != 200:
                continue  # not on pat.jones's care team
            token = CSRF_FIELD.search(page.text)
            assert token, page.text[:500]
            headers = {"X-CSRF-Token": token.group(1), "Accept": "application/json"}
            now = datetime.now(UTC)
            for collection, body in (
                ("pgx/lab-calls", lab_calls_body()),
                (
                    "questionnaire-assignments",
                    assignment_body(
                        recurrence="daily",
                        starts_at=(now - timedelta(hours=1)).isoformat(),
                        window_minutes=24 * 60,
                        reminder_minutes=[0],
                    ),
                ),
            ):
                answer = client.post(f"/api{patient_url}/{collection}", json=body, headers=headers)
                assert answer.status_code == 201, answer.text
            return
    raise AssertionError("no demo clinician is on pat.jones's care team")
