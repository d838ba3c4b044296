"""Running `painpath` in-process, and the assertions the CLI tests share."""

from __future__ import annotations

from collections.abc import Callable

from typer.testing import CliRunner, Result

from painpath.cli.main import app

Invoke = Callable[..., Result]


def make_invoke(url: str) -> Invoke:
    """`invoke("db", "current", input=..., port="8001")` runs `painpath db current` on `url`.

    Keyword arguments set PAINPATH_<NAME> for the run; None unsets it.
    """
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, **env: str | None) -> Result:
        environment: dict[str, str | None] = {
            "PAINPATH_DATABASE_URL": url,
            "PAINPATH_ENVIRONMENT": "test",
            "PAINPATH_SECRET_KEY": None,
            "PAINPATH_HOST": None,
            "PAINPATH_PORT": None,
        }
        environment.update({f"PAINPATH_{name.upper()}": value for name, value in env.items()})
        return runner.invoke(app, list(args), input=input, env=environment)

    return invoke


def error_line(result: Result) -> str:
    """The one-line `error: …` an expected failure prints, after checking there is no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]
