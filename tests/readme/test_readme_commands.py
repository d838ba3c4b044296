"""Every command in the ```sh blocks of README.md and docs/*.md, run exactly as written.

Issue 8 ("First run as a newcomer"): the README's setup and test commands, its `painpath`
examples and its wearables import failed on a fresh clone. This test copies the repository's
files (tracked, plus new files not ignored: what a clone of the next commit holds) to a
temporary folder and runs the commands there in document order, in one shell session as a
reader would: `. .venv/bin/activate` carries over, nothing from the running test's venv is on
PATH, and `.venv` is made by the README's own commands (`scripts/demo.sh`, `scripts/setup.sh`).

The harness only isolates: `XDG_DATA_HOME` points at the temporary folder (so the demo's SQLite
database is a fresh one), `PAINPATH_PORT` is a free port, `PAINPATH_*` from the outer
environment is dropped. The uv and pip caches are the user's, shared between runs.
`scripts/demo.sh` is started, must answer `GET /health` and is stopped with SIGINT;
`scripts/test.sh` is not run (it runs this test). Each command's exit status and time are
written to `readme-commands.md` in pytest's temporary folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.readme.commands import REPO, ShellCommand, all_commands

pytestmark = pytest.mark.readme

COMMANDS = all_commands()

#: A step may install the venv from scratch (uv, cached wheels) or seed the demo cohort.
STEP_TIMEOUT = 600
HEALTH_TIMEOUT = 420

WRAPPER = """\
if [ -f "$README_TEST_STATE" ]; then . "$README_TEST_STATE"; fi
cd "$(cat "$README_TEST_CWD")" || exit 97
{command}
__readme_status=$?
export -p > "$README_TEST_STATE"
pwd > "$README_TEST_CWD"
exit $__readme_status
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    command: ShellCommand
    status: int | None  #: exit status; None when not run
    seconds: float
    output: str
    note: str = ""


GIT_LS_FILES = ("git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others")


def copy_of_the_repository(target: Path) -> Path:
    """The files a fresh clone of the working tree would have, copied into `target`."""
    try:
        listed = subprocess.run(
            [*GIT_LS_FILES, "--exclude-standard"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"the repository at {REPO} is not a git work tree with git installed: {error}")
    clone = target / "painpath"
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = REPO / name
        if not source.is_file():  # deleted in the work tree, not yet committed
            continue
        destination = clone / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(source.read_bytes())
        destination.chmod(source.stat().st_mode & 0o777)
    return clone


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def newcomer_environment(home: Path, port: int) -> dict[str, str]:
    """The user's environment without the test's venv and settings, with a fresh data folder."""
    running_venv = {str(Path(sys.executable).parent), str(Path(sys.prefix) / "bin")}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p not in running_venv]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PAINPATH_") and key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHON")
    }
    env.update(
        PATH=os.pathsep.join(path),
        XDG_DATA_HOME=str(home / "data"),
        PAINPATH_PORT=str(port),
        README_TEST_STATE=str(home / "shell-state"),
        README_TEST_CWD=str(home / "shell-cwd"),
    )
    return env


def wrapper_for(command: ShellCommand, home: Path) -> Path:
    script = home / f"step-{command.document.replace('/', '_')}-{command.line}.sh"
    script.write_text(WRAPPER.format(command=command.text), encoding="utf-8")
    return script


def health_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def run_step(command: ShellCommand, clone: Path, home: Path, env: dict[str, str]) -> Outcome:
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(wrapper_for(command, home))],
        cwd=clone,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    seconds = time.monotonic() - started
    log = home / f"step-{command.document.replace('/', '_')}-{command.line}.log"
    log.write_text(done.stdout, encoding="utf-8")
    return Outcome(command, done.returncode, seconds, done.stdout)


def run_server_step(
    command: ShellCommand, clone: Path, home: Path, env: dict[str, str], port: int
) -> Outcome:
    """Start a command that serves, wait for /health, stop it (its whole process group)."""
    log = home / f"server-{command.line}.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as stream:
        process = subprocess.Popen(
            ["bash", str(wrapper_for(command, home))],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            healthy = False
            while time.monotonic() - started < HEALTH_TIMEOUT and process.poll() is None:
                if health_answers(port):
                    healthy = True
                    break
                time.sleep(0.5)
            seconds = time.monotonic() - started
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
    output = log.read_text(encoding="utf-8", errors="replace")
    if healthy:
        return Outcome(command, 0, seconds, output, f"/health answered after {seconds:.0f} s")
    status = process.returncode if process.returncode not in (None, 0) else 1
    return Outcome(command, status, seconds, output, "stopped before /health answered")


def report(outcomes: dict[str, Outcome], path: Path) -> None:
    rows = ["| Command | Exit | Seconds | Note |", "| --- | --- | --- | --- |"]
    for outcome in outcomes.values():
        shown = outcome.command.text.replace("|", "\\|").replace("\n", " ")
        status = "not run" if outcome.status is None else str(outcome.status)
        seconds = f"{outcome.seconds:.1f}"
        rows.append(f"| `{outcome.command.id}` `{shown}` | {status} | {seconds} | {outcome.note} |")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    if "README_TEST_STATE" in os.environ:
        # A documented pytest command that selects this test would start it again, in a copy
        # of the copy: once is enough.
        pytest.skip("already running inside the README commands test")
    home = tmp_path_factory.mktemp("readme")
    clone = copy_of_the_repository(home)
    port = free_port()
    env = newcomer_environment(home, port)
    (home / "shell-cwd").write_text(str(clone), encoding="utf-8")
    results: dict[str, Outcome] = {}
    for command in COMMANDS:
        reason = command.not_run_reason
        if reason is not None:
            results[command.id] = Outcome(command, None, 0.0, "", reason)
        elif command.long_running:
            results[command.id] = run_server_step(command, clone, home, env, port)
        else:
            results[command.id] = run_step(command, clone, home, env)
    report(results, tmp_path_factory.getbasetemp() / "readme-commands.md")
    return results


def test_the_documents_show_commands() -> None:
    documents = {command.document for command in COMMANDS}
    assert "README.md" in documents
    assert any(name.startswith("docs/") for name in documents)


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_command_runs_as_written(command: ShellCommand, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[command.id]
    if outcome.status is None:
        pytest.skip(outcome.note)
    tail = "\n".join(outcome.output.splitlines()[-40:])
    assert outcome.status == 0, f"{command.id}: `{command.text}` exited {outcome.status}\n{tail}"


def test_the_demo_prints_its_logins(outcomes: dict[str, Outcome]) -> None:
    (demo,) = [o for o in outcomes.values() if o.command.words == ("scripts/demo.sh",)]
    assert "dr.rivera" in demo.output
