from pathlib import Path

from sqlalchemy import inspect

from painpath.db.engine import make_engine
from tests.cli.helpers import Invoke, error_line


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_current_and_downgrade_on_a_fresh_sqlite_file(
    invoke_fresh: Invoke, fresh_sqlite_url: str
) -> None:
    before = invoke_fresh("db", "current")
    assert before.exit_code == 0
    assert "current:  none" in before.stdout
    assert "painpath db upgrade" in before.stdout

    upgraded = invoke_fresh("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "patients" in _tables(fresh_sqlite_url)

    current = invoke_fresh("db", "current")
    assert "status:   up to date" in current.stdout

    downgraded = invoke_fresh("db", "downgrade", "base", "--yes")
    assert downgraded.exit_code == 0, downgraded.output
    assert "downgraded to none" in downgraded.stdout
    assert "patients" not in _tables(fresh_sqlite_url)
    assert "behind" in invoke_fresh("db", "current").stdout


def test_current_does_not_create_a_missing_sqlite_file(
    invoke_fresh: Invoke, fresh_sqlite_url: str
) -> None:
    assert invoke_fresh("db", "current").exit_code == 0
    assert not Path(fresh_sqlite_url.removeprefix("sqlite:///")).exists()


def test_downgrade_asks_first_and_can_be_cancelled(invoke: Invoke, database_url: str) -> None:
    result = invoke("db", "downgrade", "base", input="n\n")
    assert "cancelled" in error_line(result)
    assert "patients" in _tables(database_url)


def test_current_reports_the_test_database_up_to_date(invoke: Invoke) -> None:
    result = invoke("db", "current")
    assert result.exit_code == 0
    assert "status:   up to date" in result.stdout


def test_password_in_the_url_is_masked(invoke_fresh: Invoke) -> None:
    result = invoke_fresh(
        "db", "current", database_url="postgresql://painpath:s3cret@127.0.0.1:1/painpath"
    )
    assert "s3cret" not in result.output


def test_unreachable_database_is_a_one_line_error(invoke_fresh: Invoke) -> None:
    result = invoke_fresh("db", "upgrade", database_url="postgresql://painpath@127.0.0.1:1/none")
    assert "database error" in error_line(result)


def test_unknown_revision_is_a_one_line_error(invoke_fresh: Invoke) -> None:
    assert "migration failed" in error_line(invoke_fresh("db", "upgrade", "no-such-revision"))


def test_invalid_setting_is_a_one_line_error(invoke_fresh: Invoke) -> None:
    result = invoke_fresh("db", "current", port="not-a-number")
    assert "PAINPATH_* setting: port" in error_line(result)
