"""PostgreSQL connections as coord's engine lends them (``coord.db.make_engine``): a pool checkout check
that replaces a connection the server has ended, without a round trip for a live one.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError


def live_connections_only(engine: Engine) -> Callable[[Any, Any, Any], None]:
    """A pool checkout check: a connection the server has ended is replaced before it is lent.

    It does what ``pool_pre_ping`` does without a round trip on every checkout, which cost a PostgreSQL
    transaction its dearest part: a lent connection is idle, so it has nothing to read; when its socket is
    readable the server has ended it (a restart, a failover, an idle timeout) or sent something unasked,
    and only then is it pinged. A connection that fails the ping is discarded and a new one opened
    (``DisconnectionError``), so the first message after a restart is answered as usual.
    """

    def check(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
            raise DisconnectionError("the connection was closed")
        try:
            readable = has_something_to_read(dbapi_connection.fileno())
        except (OSError, ValueError) as exc:  # no socket any more
            raise DisconnectionError(str(exc)) from exc
        if readable:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as exc:  # whatever the driver raises for a dead connection
                raise DisconnectionError(str(exc)) from exc

    return check


def has_something_to_read(fd: int) -> bool:
    """Whether the socket ``fd`` has data, an end of stream or an error waiting, without waiting itself.
    ``poll`` where there is one: ``select`` refuses descriptors past FD_SETSIZE (1024), which a busy
    process holding many sockets reaches."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))  # POLLHUP and POLLERR are reported whatever was asked for
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)
