"""What an attacker with write access to the database does: lift the triggers, then tamper."""

from __future__ import annotations

from sqlalchemy import Engine, text


def drop_append_only_triggers(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))


def tamper(engine: Engine, *statements: str, **params: object) -> None:
    drop_append_only_triggers(engine)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)
