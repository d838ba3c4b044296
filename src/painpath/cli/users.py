"""`painpath users …`: accounts, for bootstrapping the first admin or scripting staff onboarding."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from painpath import audit
from painpath.cli.common import CliError, console, load_settings, reported_errors
from painpath.cli.database import require_head
from painpath.db.engine import make_engine, make_session_factory
from painpath.models.enums import Role
from painpath.schemas.accounts import UserCreate
from painpath.services.identity import accounts
from painpath.services.transaction import unit_of_work

users_app = typer.Typer(help="Accounts.", no_args_is_help=True)


def read_password(from_stdin: bool) -> str:
    """The password from one line of standard input, or from a hidden prompt typed twice."""
    if not from_stdin:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        raise CliError("--password-stdin given but standard input holds no password")
    return password


@users_app.command("add")
def add(
    username: Annotated[str, typer.Option(help="Login name: 3–64 of a-z 0-9 . _ -")],
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    display_name: Annotated[str, typer.Option(help="Name shown in the interface.")],
    patient_id: Annotated[
        int | None, typer.Option(help="For a patient account: the patient's record id.")
    ] = None,
    npi: Annotated[
        str | None, typer.Option(help="10-digit National Provider Identifier (staff).")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from standard input instead of a prompt."
        ),
    ] = False,
) -> None:
    """Add an account. The password is prompted for (or piped in), never given as an argument.

    Unlike the admin web role (which only hands out one-time setup codes), the operator here
    sets the first password: someone with a shell on the server and its database credentials
    can already read and write every row, so this grants them nothing new.
    """
    with reported_errors():
        url = load_settings().database_url
        require_head(url)
        password = read_password(password_stdin)
        data = UserCreate(
            username=username,
            display_name=display_name,
            role=role,
            patient_id=patient_id,
            npi=npi,
        )
        engine = make_engine(url)
        try:
            with unit_of_work(make_session_factory(engine)) as session:
                user = accounts.create_user(session, **data.model_dump(), password=password)
                audit.record(
                    session,
                    actor=None,
                    action="create",
                    resource_type="User",
                    patient_id=user.patient_id,
                    resource_id=user.id,
                    detail=f"account {user.username!r} added with `painpath users add`",
                )
                user_id = user.id
        finally:
            engine.dispose()
    console().print(f"added {role.value} account {username!r} (user id {user_id})")
