"""SQLite writers queue for the write lock on a blocking file lock (db.engine.begin_write)."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from painpath.db.engine import begin_write, make_engine, make_session_factory

pytestmark = pytest.mark.skipif(not hasattr(fcntl, "flock"), reason="no flock on this platform")


def _lock_is_free(lock_file: Path) -> bool:
    with lock_file.open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "writer.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    return f"sqlite:///{path}", Path(f"{path}-writer.lock")


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_file_lock_is_held_for_the_write_and_released_when_it_ends(
    database: tuple[str, Path], ending: str
) -> None:
    url, lock_file = database
    sessions = make_session_factory(make_engine(url))
    session = sessions()
    session.execute(text("SELECT count(*) FROM t"))
    begin_write(session)
    session.execute(text("INSERT INTO t VALUES (1)"))
    assert not _lock_is_free(lock_file)
    getattr(session, ending)()
    assert _lock_is_free(lock_file)
    assert not session.info


def test_a_second_writer_waits_for_the_first_and_then_writes(database: tuple[str, Path]) -> None:
    url, _ = database
    sessions = make_session_factory(make_engine(url))
    first = sessions()
    begin_write(first)
    first.execute(text("INSERT INTO t VALUES (1)"))
    second_wrote = threading.Event()

    def second_writer() -> None:
        with sessions() as second:
            begin_write(second)
            second.execute(text("INSERT INTO t VALUES (2)"))
            second.commit()
        second_wrote.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not second_wrote.wait(0.3)  # queued behind the first writer's lock
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert second_wrote.is_set()
    with sessions() as reader:
        assert reader.execute(text("SELECT x FROM t ORDER BY x")).scalars().all() == [1, 2]
