"""PostgreSQL connections as coord's engine makes them (``coord.db.make_engine``): a pool checkout check
that replaces a connection the server has ended without a round trip for a live one, and a psycopg cursor
that describes its results more cheaply. Imported only when the database is PostgreSQL.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError


class PlainDescriptionCursor(psycopg.Cursor[Any]):
    """psycopg's cursor, describing a result with plain PEP 249 tuples (name, type code, then five Nones).

    SQLAlchemy reads ``cursor.description`` once for every result, and reads only names and type codes;
    psycopg builds a ``Column`` object per column each time, looking up its type's display details, which
    was the dearest single step of a chat command (about 70 columns a command, an eighth of its CPU).
    """

    @property
    def description(self) -> list[tuple[Any, ...]] | None:  # type: ignore[override]
        result = self.pgresult
        if result is None or not result.nfields:
            return super().description  # type: ignore[return-value]  # None, or [] for "SELECT ;"
        encoding = self.connection.info.encoding
        # COPY results name no columns; display size, sizes, precision, scale and null_ok are not known
        names = [result.fname(i) for i in range(result.nfields)]
        return [
            (
                name.decode(encoding) if name else f"column_{i + 1}",
                result.ftype(i),
                None,
                None,
                None,
                None,
                None,
            )
            for i, name in enumerate(names)
        ]


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
            readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
        except (OSError, ValueError) as exc:  # no socket any more
            raise DisconnectionError(str(exc)) from exc
        if readable:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as exc:  # whatever the driver raises for a dead connection
                raise DisconnectionError(str(exc)) from exc

    return check
