"""coord's psycopg cursor describes every result as psycopg's own does: the same names and type codes, in
plain PEP 249 tuples (PostgreSQL only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from coord.db import make_engine
from coord.postgres import PlainDescriptionCursor
from tests.conftest import _need_postgres

STATEMENTS = [
    "SELECT 1 AS n, 'a'::text AS t, now() AS at, '{\"a\": 1}'::json AS j, true AS b, 1.5::numeric AS x, "
    "ARRAY[1, 2] AS a, NULL AS nothing",
    "SELECT 1 + 1, 'x'",  # unnamed columns
    'SELECT 1 AS "认领", 2 AS "签到"',  # names beyond ASCII
    "SELECT ",  # a result with no columns
    "SELECT n FROM generate_series(1, 3) AS n WHERE n > 5",  # no rows
    "CREATE TEMPORARY TABLE IF NOT EXISTS described (id integer)",  # no result set
    "INSERT INTO described VALUES (1)",
    "INSERT INTO described VALUES (2) RETURNING id, id * 2 AS twice",
]


@pytest.fixture
def connection() -> Iterator[psycopg.Connection[Any]]:
    url = make_url(_need_postgres()).set(drivername="postgresql")
    conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    try:
        conn.execute("CREATE TEMPORARY TABLE described (id integer)")
        yield conn
    finally:
        conn.close()


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_description_is_psycopgs_in_plain_tuples(
    connection: psycopg.Connection[Any], statement: str
) -> None:
    theirs = psycopg.Cursor(connection)
    ours = PlainDescriptionCursor(connection)
    theirs.execute(statement)
    ours.execute(statement)
    expected = theirs.description
    got = ours.description
    if expected is None:
        assert got is None
        return
    assert got is not None
    assert [(name, code) for name, code, *_ in got] == [(c.name, c.type_code) for c in expected]
    assert all(type(entry) is tuple and len(entry) == 7 for entry in got)  # PEP 249: seven items each


def test_sqlalchemy_reads_rows_by_name_through_it() -> None:
    engine = make_engine(_need_postgres(), pool_size=1)
    try:
        with engine.connect() as conn:
            assert isinstance(conn.connection.dbapi_connection.cursor(), PlainDescriptionCursor)  # type: ignore[union-attr]
            row = conn.execute(text("SELECT 7 AS seven, '认领' AS \"动作\"")).one()
            assert row.seven == 7 and row._mapping["动作"] == "认领"
    finally:
        engine.dispose()
