"""SQLite's in-process write queue and connection pool (coord.db), on real database files."""

from __future__ import annotations

import functools
import gc
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from coord.db import QueuedConnection, WriteQueue, make_engine, make_session_factory, transaction, write_queue

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "queue.sqlite3")


@pytest.fixture
def engine(path: str) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    yield engine
    engine.dispose()


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one())


def increment(engine: Engine, times: int, errors: list[BaseException]) -> None:
    """Read-then-write increments, one transaction each: lost updates if two ever overlapped."""
    factory = make_session_factory(engine)
    try:
        for _ in range(times):
            with transaction(factory) as session:
                n = session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
                session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
    except BaseException as exc:
        errors.append(exc)


def test_many_threads_count_every_increment_and_never_meet_a_locked_database(
    engine: Engine, path: str
) -> None:
    errors: list[BaseException] = []
    threads = [threading.Thread(target=increment, args=(engine, 100, errors)) for _ in range(16)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(engine) == 1600
    assert not write_queue(path).held
    assert time.monotonic() - started < 30  # nobody waited out the busy timeout


def test_connections_are_kept_between_transactions(engine: Engine) -> None:
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    increment(engine, 50, [])
    assert count(engine) == 50
    assert len(opened) <= 1  # one connection, reused (at most one opened: the pool may hold one already)


def test_waiting_threads_are_served_in_arrival_order() -> None:
    queue = WriteQueue()
    assert queue.acquire(1.0)
    served: list[int] = []

    def wait_turn(number: int) -> None:
        assert queue.acquire(5.0)
        served.append(number)
        queue.release()

    threads = []
    for number in range(8):
        thread = threading.Thread(target=wait_turn, args=(number,))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while len(queue._waiters) < number + 1 and time.monotonic() < deadline:  # queued before the next
            time.sleep(0.001)
    queue.release()
    for thread in threads:
        thread.join()
    assert served == list(range(8))
    assert not queue.held


def test_the_queue_is_reentrant_in_one_thread_and_a_wait_can_time_out() -> None:
    queue = WriteQueue()
    assert queue.acquire(1.0)
    assert queue.acquire(1.0)  # the same thread again: no waiting for itself
    other: list[bool] = []
    thread = threading.Thread(target=lambda: other.append(queue.acquire(0.05)))
    thread.start()
    thread.join()
    assert other == [False]
    assert not queue._waiters  # the timed-out waiter left the line
    queue.release()
    assert queue.held
    queue.release()
    assert not queue.held
    with pytest.raises(RuntimeError):
        queue.release()


def test_the_queue_is_given_back_after_commit_and_rollback(engine: Engine, path: str) -> None:
    factory = make_session_factory(engine)
    queue = write_queue(path)
    with transaction(factory) as session:
        session.execute(text("UPDATE counter SET n = 5"))
        assert queue.held
    assert not queue.held
    with pytest.raises(ZeroDivisionError), transaction(factory) as session:
        session.execute(text("UPDATE counter SET n = 6"))
        assert queue.held
        _ = 1 / 0
    assert not queue.held
    assert count(engine) == 5
    with pytest.raises(OperationalError), transaction(factory) as session:  # a failed statement
        session.execute(text("UPDATE no_such_table SET n = 1"))
    assert not queue.held
    increment(engine, 1, [])  # and another thread's turn comes at once
    assert count(engine) == 6


def test_the_queue_is_given_back_when_the_connection_is_invalidated(engine: Engine, path: str) -> None:
    conn = engine.connect()
    conn.begin()
    conn.execute(text("UPDATE counter SET n = 7"))
    assert write_queue(path).held
    conn.invalidate()  # closes the sqlite3 connection: SQLite rolls back
    assert not write_queue(path).held
    conn.close()
    assert count(engine) == 0


def test_a_connection_dropped_without_close_gives_the_queue_back(path: str) -> None:
    queue = WriteQueue()
    raw = sqlite3.connect(path, isolation_level=None, factory=QueuedConnection)
    raw.write_queue = queue
    raw.begin_immediate(functools.partial(raw.execute, "BEGIN IMMEDIATE"))
    raw.execute("CREATE TABLE t (x INTEGER)")
    assert queue.held
    del raw  # no close(), no rollback: SQLite rolls back when the object goes
    gc.collect()
    assert not queue.held
    assert queue.acquire(0.1)  # and the next one is served at once
    queue.release()


def test_a_failed_begin_gives_the_queue_back(engine: Engine, path: str) -> None:
    other_process = sqlite3.connect(path, isolation_level=None)  # as another process would: no queue
    other_process.execute("BEGIN IMMEDIATE")
    try:
        conn = engine.connect()
        conn.connection.dbapi_connection.execute("PRAGMA busy_timeout=50")  # type: ignore[union-attr]
        with pytest.raises(OperationalError, match="locked"):
            conn.begin()
        assert not write_queue(path).held
        conn.invalidate()
        conn.close()
    finally:
        other_process.rollback()
        other_process.close()
    increment(engine, 1, [])
    assert count(engine) == 1


def test_a_nested_transaction_in_the_same_thread_fails_as_before_instead_of_waiting_for_itself(
    engine: Engine, path: str
) -> None:
    outer = engine.connect()
    outer.begin()
    outer.execute(text("UPDATE counter SET n = 1"))
    inner = engine.connect()
    inner.connection.dbapi_connection.execute("PRAGMA busy_timeout=50")  # type: ignore[union-attr]
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):  # SQLite's own lock, after its busy timeout
        inner.begin()
    assert time.monotonic() - started < 5
    assert write_queue(path).held  # still the outer transaction's
    outer.commit()
    assert not write_queue(path).held
    inner.invalidate()
    inner.close()
    outer.close()
    assert count(engine) == 1


CHILD = """
import sys
from sqlalchemy import text
from coord.db import make_engine, make_session_factory, transaction
engine = make_engine("sqlite:///" + sys.argv[1])
factory = make_session_factory(engine)
for _ in range(int(sys.argv[2])):
    with transaction(factory) as session:
        n = session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
        session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
engine.dispose()
"""


def test_two_processes_share_the_file_through_sqlites_lock(engine: Engine, path: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, path, "300"], cwd=ROOT, stderr=subprocess.PIPE)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=increment, args=(engine, 100, errors)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr.decode()
    assert errors == []
    assert count(engine) == 700
