"""A database restart on a bad day: PostgreSQL ends the pooled connections (as a restart or a failover does).

The pool checks a connection before lending it (``coord.db``: a connection whose socket has something to
read is pinged, one the server ended is replaced), so the next message after a restart is answered as
usual, and a live connection is lent without a round trip; a connection lost in the middle of a command
rolls that command back whole, the person is told something went wrong, and the message after it is
answered again.
"""

from __future__ import annotations

import fcntl
import os
import resource
import select as select_module
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import Inbound, handle_safely, render_text
from coord.db import make_session_factory, transaction
from coord.models import Assignment, Task
from coord.postgres import has_something_to_read
from coord.services.people.people import link_account
from coord.services.work.tasks import create_task
from tests.conftest import FreshDatabase
from tests.factories import NOW, SYSTEM, build_world

USER = "tg-restart-1"


@pytest.fixture
def pooled(tmp_path: Path) -> Iterator[tuple[Engine, sessionmaker[Session], int]]:
    """A migrated PostgreSQL database (a server that can end connections; SQLite is a file in this process)
    with one pooled connection, a community, a linked volunteer and a delivery to claim (its id)."""
    fresh_db = FreshDatabase("postgresql", tmp_path)
    try:
        engine = fresh_db.engine(pool_size=1)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            world = build_world(session)
            volunteer = world.volunteers[0]
            link_account(
                session=session,
                actor=SYSTEM,
                person=volunteer,
                network="telegram",
                external_id=USER,
                dm_chat_id=USER,
            )
            task = create_task(
                session=session,
                actor=SYSTEM,
                community=world.community,
                kind="delivery",
                title="Vegetables to building 3",
                team=world.gate_team,
                now=NOW,
            )
        yield engine, factory, task.id
    finally:
        fresh_db.close()


def say(factory: sessionmaker[Session], text_: str) -> str:
    inbound = Inbound(
        network="telegram", user_id=USER, display_name="V", chat_id=USER, is_private_chat=True, text=text_
    )
    return "\n".join(render_text(reply, "en") for reply in handle_safely(inbound, session_factory=factory))


def backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.pg_backend_pid())).scalar_one())


def end_backend(engine: Engine, pid: int) -> None:
    """What a restart does to one connection, from another connection (waiting until the backend is gone,
    as a restart has ended every backend before it accepts connections again)."""
    with admin_connection(engine) as conn:
        ended = conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()
        assert ended


@contextmanager
def admin_connection(engine: Engine) -> Iterator[Connection]:
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            yield conn
    finally:
        admin.dispose()


@pytest.fixture
def pings(pooled: tuple[Engine, sessionmaker[Session], int], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pool's pings (they go to the driver directly, beneath SQLAlchemy's statement events)."""
    engine = pooled[0]
    seen: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        seen.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def test_a_live_connection_is_lent_without_a_round_trip(
    pooled: tuple[Engine, sessionmaker[Session], int], pings: list[int]
) -> None:
    engine, factory, _task_id = pooled
    before = backend(engine)
    for _ in range(5):
        assert "went wrong" not in say(factory, "my")
    assert pings == [] and backend(engine) == before
    end_backend(engine, before)
    assert "went wrong" not in say(factory, "my")
    assert pings == [1] and backend(engine) != before  # pinged because it had something to read; replaced


def test_a_connection_with_something_unasked_to_read_is_pinged_and_kept(
    pooled: tuple[Engine, sessionmaker[Session], int], pings: list[int]
) -> None:
    engine, factory, _task_id = pooled
    with engine.connect() as conn:
        conn.exec_driver_sql("LISTEN coord_restart_test")
        conn.commit()
        socket = conn.connection.dbapi_connection.fileno()  # type: ignore[union-attr]
    before = backend(engine)
    with admin_connection(engine) as admin:
        admin.exec_driver_sql("NOTIFY coord_restart_test")
    assert select_module.select([socket], [], [], 5)[0], "the notification did not arrive"
    assert "went wrong" not in say(factory, "my")
    assert pings == [1] and backend(engine) == before


def test_the_first_message_after_a_restart_is_answered(
    pooled: tuple[Engine, sessionmaker[Session], int],
) -> None:
    engine, factory, task_id = pooled
    assert "went wrong" not in say(factory, "my")
    before = backend(engine)
    end_backend(engine, before)
    reply = say(factory, f"claim {task_id}")
    assert "went wrong" not in reply and f"#{task_id}" in reply
    assert backend(engine) != before  # a new connection took the dead one's place
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_a_connection_lost_mid_command_rolls_it_back_and_the_next_message_is_answered(
    pooled: tuple[Engine, sessionmaker[Session], int],
) -> None:
    engine, factory, task_id = pooled
    taken: list[bool] = []
    lost: list[int] = []

    def note_the_slot(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        taken.extend([True] if statement.startswith("INSERT INTO assignment") else [])

    def lose_the_connection_before_commit(conn: Any) -> None:
        if taken and not lost:  # the slot is taken in the transaction, COMMIT is next
            lost.append(int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()))
            end_backend(engine, lost[0])

    event.listen(engine, "after_cursor_execute", note_the_slot)
    event.listen(engine, "commit", lose_the_connection_before_commit)
    try:
        assert "went wrong" in say(factory, f"claim {task_id}")  # an apology, no traceback
    finally:
        event.remove(engine, "after_cursor_execute", note_the_slot)
        event.remove(engine, "commit", lose_the_connection_before_commit)
    assert taken and lost
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 0  # nothing half-written
        assert session.get_one(Task, task_id).filled == 0
    reply = say(factory, f"claim {task_id}")
    assert "went wrong" not in reply and f"#{task_id}" in reply
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_a_socket_past_fd_setsize_is_checked_too() -> None:
    # A busy bot holds many sockets; select() refuses a descriptor past 1024, poll() does not.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2048
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip("this process may not open a descriptor past 1024")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    ours, theirs = socket.socketpair()
    fd = fcntl.fcntl(ours.fileno(), fcntl.F_DUPFD, 1500)  # the lowest free descriptor from 1500 up
    try:
        assert fd >= 1500
        assert not has_something_to_read(fd)  # an idle connection
        theirs.sendall(b"x")
        assert has_something_to_read(fd)  # the server sent something unasked
        os.read(fd, 1)
        theirs.close()
        assert has_something_to_read(fd)  # the server ended it
    finally:
        os.close(fd)
        ours.close()
        theirs.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
