"""`painpath pgx …` and `painpath opioids …` start without the database stack.

The sub-commands are imported only when they run (cli/main.py), so a PGx call from a shell
script does not pay ~0.8 s for SQLAlchemy, settings and the demo cohort.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from typer.testing import CliRunner
from painpath.cli.main import app
result = CliRunner().invoke(app, sys.argv[1:])
heavy = sorted(m for m in ("sqlalchemy", "fastapi", "pydantic_settings", "painpath.db",
                           "painpath.models", "painpath.demo") if m in sys.modules)
print(json.dumps({"exit": result.exit_code, "heavy": heavy, "out": result.output[:2000]}))
"""


def probe(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("--help",),
        ("pgx", "recommend", "--gene", "CYP2D6=*1/*4", "--drug", "codeine", "--format", "json"),
        ("opioids", "ort", "--help"),
    ],
)
def test_commands_without_a_database_never_import_it(args: tuple[str, ...]) -> None:
    found = probe(*args)
    assert found["exit"] == 0, found
    assert found["heavy"] == [], found


def test_database_commands_still_load_on_demand() -> None:
    found = probe("db", "--help")
    assert found["exit"] == 0, found
    assert "upgrade" in str(found["out"])
    assert "sqlalchemy" in found["heavy"]  # type: ignore[operator]


def test_top_level_help_lists_every_command() -> None:
    out = str(probe("--help")["out"])
    for name in ("db", "demo", "opioids", "pgx", "serve", "users"):
        assert f"  {name} " in out
