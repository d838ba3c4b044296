"""One transaction per request or command: commit with its audit events, or roll back and audit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from painpath import audit
from painpath.services.errors import AccessDenied, NotAuthenticated

logger = logging.getLogger(__name__)


@contextmanager
def unit_of_work(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    try:
        yield session
    except BaseException as error:
        fail(session, error)
        raise
    commit(session)


def commit(session: Session) -> None:
    """Commit the work with its audit events and close the session (on error: `fail`)."""
    try:
        audit.write_pending(session)
        session.commit()
        audit.after_commit(session)
    except BaseException as error:
        fail(session, error)
        raise
    session.close()


def fail(session: Session, error: BaseException) -> None:
    """Roll back, keep the audit events of the failed work (and a refusal's), close the session."""
    try:
        session.rollback()
        if isinstance(error, NotAuthenticated | AccessDenied):
            audit.record_refusal(session, reason=f"{error.status_code} {error.detail}")
        try:
            audit.persist_after_failure(session, error)
        except Exception:
            # The audit write failed too (e.g. the database is gone): log it, but surface the
            # original error, not this one.
            logger.exception("could not write the audit events of a failed transaction")
            session.rollback()
    finally:
        session.close()
