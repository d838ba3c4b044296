"""What the README and docs promise a newcomer, checked without installing anything.

The commands themselves are run by test_readme_commands.py (marker `readme`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.readme.commands import (
    REPO,
    UNRUN_SHELL_LANGUAGES,
    all_commands,
    documents,
    fenced_blocks,
)

README = REPO / "README.md"


def test_the_readme_starts_with_the_demo_and_the_whole_test_run() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "```sh"
    assert lines[1].startswith("scripts/demo.sh ")
    assert lines[2].startswith("scripts/test.sh ")
    assert lines[3] == "```"


def test_the_development_setup_installs_what_the_full_test_run_installs() -> None:
    """`pytest` after the README's setup collected nothing without pyarrow and cyvcf2 (the `pgx`
    extra): the README must install the extras scripts/test.sh installs before the suite."""
    test_script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    (ci_extras,) = re.findall(r"^scripts/setup\.sh (\S+)$", test_script, re.MULTILINE)
    readme_setups = [c.words for c in all_commands() if c.words[:1] == ("scripts/setup.sh",)]
    assert ("scripts/setup.sh", ci_extras) in readme_setups
    assert set(ci_extras.split(",")) >= {"dev", "pgx"}


def test_the_readme_puts_painpath_on_the_path_before_using_it() -> None:
    commands = [c for c in all_commands() if c.document == "README.md"]
    activate = next(i for i, c in enumerate(commands) if c.words == (".", ".venv/bin/activate"))
    first_painpath = next(i for i, c in enumerate(commands) if c.words[:1] == ("painpath",))
    assert activate < first_painpath


def test_the_readme_opioid_input_is_the_example_file() -> None:
    text = README.read_text(encoding="utf-8")
    (shown,) = [lines for language, _, lines in fenced_blocks(README) if language == "json"]
    assert "`examples/opioids/patient.json`" in text
    example = (REPO / "examples" / "opioids" / "patient.json").read_text(encoding="utf-8")
    assert json.loads("\n".join(shown)) == json.loads(example)


def test_the_wearables_example_names_a_patient_on_dr_riveras_team() -> None:
    """The demo's first patient (DEMO-00001) has dr.rivera as primary clinician under any seed."""
    from datetime import date

    from painpath.demo.cohort import generate_cohort

    imports = [c for c in all_commands() if c.words[:3] == ("painpath", "wearables", "import")]
    assert imports
    for seed in (42, 7):
        first = generate_cohort(seed=seed, patients=1, as_of=date(2026, 12, 1)).patients[0]
        for command in imports:
            words = command.words
            assert words[words.index("--mrn") + 1] == first.mrn, command.id
            assert words[words.index("--as") + 1] in first.clinicians, command.id


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_shell_blocks_are_either_run_or_marked_text(path: Path) -> None:
    """A shell block is ```sh (run as written by the readme test) or ```text (illustrative)."""
    languages = {language for language, _, _ in fenced_blocks(path)}
    assert not languages & UNRUN_SHELL_LANGUAGES


def test_every_example_file_named_in_a_command_exists() -> None:
    named = {word for c in all_commands() for word in c.words if word.startswith("examples/")}
    assert named
    missing = sorted(name for name in named if not (REPO / name).is_file())
    assert not missing
