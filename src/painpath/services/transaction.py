"""One transaction per request or command: commit with its audit events, or roll back and audit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from painpath import audit


@contextmanager
def unit_of_work(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    try:
        yield session
        audit.write_pending(session)
        session.commit()
    except BaseException as error:
        session.rollback()
        audit.persist_after_failure(session, error)
        raise
    finally:
        session.close()
