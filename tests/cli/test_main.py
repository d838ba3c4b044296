from painpath import __version__
from tests.cli.helpers import Invoke


def test_version_prints_the_package_version(invoke_fresh: Invoke) -> None:
    result = invoke_fresh("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"painpath {__version__}"


def test_without_a_command_the_help_lists_every_group(invoke_fresh: Invoke) -> None:
    result = invoke_fresh()
    for command in ("serve", "db", "users", "demo"):
        assert command in result.output
