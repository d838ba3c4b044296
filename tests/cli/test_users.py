import pytest
from sqlalchemy import select
from typer.testing import Result

from painpath.auth.passwords import verify_password
from painpath.db.engine import make_engine, make_session_factory
from painpath.models import AuditEvent, Role, User
from tests.cli.helpers import Invoke, error_line

PASSWORD = "a-long-synthetic-password"


def _user(url: str, username: str) -> User | None:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(User).where(User.username == username))
    finally:
        engine.dispose()


def _add(
    invoke: Invoke, *extra: str, username: str = "dr.new", role: str = "clinician", **kw: str
) -> Result:
    args = ["users", "add", "--username", username, "--role", role, "--display-name", "Dr New"]
    return invoke(*args, *extra, **kw)


def test_add_reads_the_password_from_stdin(invoke: Invoke, database_url: str) -> None:
    result = _add(invoke, "--password-stdin", "--npi", "1234567893", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "added clinician account 'dr.new'" in result.stdout
    user = _user(database_url, "dr.new")
    assert user is not None
    assert user.role is Role.clinician
    assert user.npi == "1234567893"
    assert verify_password(PASSWORD, user.password_hash)[0]
    assert PASSWORD not in result.output


def test_adding_an_account_is_audited(invoke: Invoke, database_url: str) -> None:
    _add(invoke, "--password-stdin", input=PASSWORD)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.resource_type == "User"))
    engine.dispose()
    assert event is not None
    assert event.action == "create"
    assert event.outcome == "success"


def test_the_prompt_asks_for_the_password_twice(invoke: Invoke, database_url: str) -> None:
    result = _add(invoke, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert _user(database_url, "dr.new") is not None


def test_the_password_cannot_be_given_as_an_argument(invoke: Invoke) -> None:
    result = _add(invoke, "--password", PASSWORD)
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_a_taken_username_is_refused(invoke: Invoke) -> None:
    assert _add(invoke, "--password-stdin", input=PASSWORD).exit_code == 0
    assert "username 'dr.new' is taken" in error_line(
        _add(invoke, "--password-stdin", input=PASSWORD)
    )


def test_a_weak_password_is_refused(invoke: Invoke, database_url: str) -> None:
    assert "at least 15 characters" in error_line(_add(invoke, "--password-stdin", input="short"))
    assert _user(database_url, "dr.new") is None


def test_empty_standard_input_is_refused(invoke: Invoke) -> None:
    assert "no password" in error_line(_add(invoke, "--password-stdin", input=""))


@pytest.mark.parametrize("username", ["Dr New", "x", "dr/new"])
def test_a_malformed_username_is_refused(invoke: Invoke, username: str) -> None:
    line = error_line(_add(invoke, "--password-stdin", username=username, input=PASSWORD))
    assert "username" in line


def test_a_patient_account_needs_an_existing_patient(invoke: Invoke) -> None:
    missing = _add(invoke, "--password-stdin", role="patient", input=PASSWORD)
    assert "needs patient_id" in error_line(missing)
    unknown = _add(
        invoke, "--password-stdin", "--patient-id", "999", role="patient", input=PASSWORD
    )
    assert "patient 999 does not exist" in error_line(unknown)


def test_an_unknown_role_is_a_usage_error(invoke: Invoke) -> None:
    assert _add(invoke, "--password-stdin", role="surgeon", input=PASSWORD).exit_code == 2


def test_an_unmigrated_database_is_refused(invoke_fresh: Invoke) -> None:
    line = error_line(_add(invoke_fresh, "--password-stdin", input=PASSWORD))
    assert "painpath db upgrade" in line
