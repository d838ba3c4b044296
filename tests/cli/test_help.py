"""`--help` of every command: boolean flags show as flags, never as options taking a value.

Issue 8 item 7: `painpath pgx recommend --help` listed `--dpwg <bool>` and `--help <bool>`.
Typer 0.29 renders sub-command help in rich panels whose type column is filled for every
option, flags included; its plain (click-style) help leaves flags bare. The top-level help was
plain and every sub-command's help was rich, so `painpath` now renders all of them plain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from typer._click import Command, Context
from typer.core import TyperGroup, TyperOption
from typer.testing import CliRunner

from painpath.cli.main import SUBCOMMANDS, _load, app


def every_command() -> Iterator[tuple[tuple[str, ...], Command]]:
    """(path, command) for each sub-command and group under `painpath`, depth first."""

    def walk(path: tuple[str, ...], command: Command) -> Iterator[tuple[tuple[str, ...], Command]]:
        yield path, command
        if isinstance(command, TyperGroup):
            context = Context(command)
            for name in command.list_commands(context):
                child = command.get_command(context, name)
                assert child is not None, name
                yield from walk((*path, name), child)

    for name in sorted(SUBCOMMANDS):
        yield from walk((name,), _load(name))


COMMANDS = dict(every_command())


def help_of(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_is_walked() -> None:
    assert ("pgx", "recommend") in COMMANDS
    assert ("rpm", "codes") in COMMANDS
    assert len(COMMANDS) > 20


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_help_shows_boolean_flags_as_flags(path: tuple[str, ...]) -> None:
    text = help_of(path)
    assert "<bool>" not in text
    flags = [
        param
        for param in COMMANDS[path].get_params(Context(COMMANDS[path]))
        if isinstance(param, TyperOption) and param.is_flag
    ]
    assert any("--help" in flag.opts for flag in flags)
    for flag in flags:
        name = max(flag.opts, key=len)
        # The flag's names, then only the gap before its help text: no value placeholder.
        row = re.compile(rf"^\s+(?:-\w, )?{re.escape(name)}\s{{2,}}\S", re.MULTILINE)
        assert row.search(text), f"{name} in:\n{text}"


def test_pgx_recommend_help_lists_dpwg_without_a_value() -> None:
    text = help_of(("pgx", "recommend"))
    assert re.search(r"^\s+--dpwg\s+Add DPWG advice", text, re.MULTILINE), text
    assert re.search(r"^\s+--help\s+Show this message and exit\.", text, re.MULTILINE), text


def test_top_level_help_shows_flags_as_flags() -> None:
    text = help_of(())
    assert re.search(r"^\s+--version\s+Show the version", text, re.MULTILINE), text
    assert "<bool>" not in text
