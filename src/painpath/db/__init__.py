"""Engine, sessions, the declarative base and the Alembic migrations."""

from painpath.db.base import Base
from painpath.db.engine import make_engine, make_session_factory

__all__ = ["Base", "make_engine", "make_session_factory"]
