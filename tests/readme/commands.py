"""The shell commands the README and docs show: read from their ```sh blocks, in order."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Info strings of shell blocks that are not run; a shell command belongs in `sh` (run as
#: written by the readme test) or in `text` (illustrative: needs a server, a URL or a secret).
UNRUN_SHELL_LANGUAGES = frozenset({"bash", "shell", "console", "shell-session", "zsh"})

#: Commands that keep serving until stopped: started, checked on /health, stopped.
LONG_RUNNING = (("scripts/demo.sh",), ("painpath", "serve"), ("painpath", "demo", "run"))

#: Commands the test cannot run as a step, with the reason.
NOT_RUN = {
    ("scripts/test.sh",): "runs every test, this one included: CI runs it, and so runs this test",
}

_FENCE = re.compile(r"^\s*```+\s*([\w-]*)")


@dataclass(frozen=True, slots=True)
class ShellCommand:
    document: str  #: path relative to the repository, e.g. "docs/billing.md"
    line: int  #: 1-based line of the command's first line
    text: str  #: exactly as written (continuation lines joined with their backslash-newline)

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(shlex.split(self.text, comments=True))

    def starts_with(self, prefixes: tuple[tuple[str, ...], ...]) -> bool:
        return any(self.words[: len(prefix)] == prefix for prefix in prefixes)

    @property
    def long_running(self) -> bool:
        return self.starts_with(LONG_RUNNING)

    @property
    def not_run_reason(self) -> str | None:
        for prefix, reason in NOT_RUN.items():
            if self.words[: len(prefix)] == prefix:
                return reason
        return None


def documents() -> list[Path]:
    """README.md, then docs/*.md by name: the order a newcomer reads them in."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def fenced_blocks(path: Path) -> list[tuple[str, int, list[str]]]:
    """(info string, line of the first content line, lines) of each fenced block."""
    blocks: list[tuple[str, int, list[str]]] = []
    current: tuple[str, int, list[str]] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fence = _FENCE.match(line)
        if current is None:
            if fence:
                current = (fence.group(1).lower(), number + 1, [])
        elif fence and not fence.group(1):
            blocks.append(current)
            current = None
        else:
            current[2].append(line)
    return blocks


def shell_commands(path: Path) -> list[ShellCommand]:
    """The commands of the document's ```sh blocks; `\\` continues a command on the next line."""
    name = path.relative_to(REPO).as_posix()
    found: list[ShellCommand] = []
    for language, first, lines in fenced_blocks(path):
        if language != "sh":
            continue
        pending: list[str] = []
        start = first
        for offset, line in enumerate(lines):
            if not pending:
                start = first + offset
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
            pending.append(line)
            if not line.endswith("\\"):
                found.append(ShellCommand(name, start, "\n".join(pending)))
                pending = []
        if pending:
            found.append(ShellCommand(name, start, "\n".join(pending)))
    return found


def all_commands() -> list[ShellCommand]:
    return [command for path in documents() for command in shell_commands(path)]
