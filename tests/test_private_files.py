"""Files holding residents' details or the bot's token are the service user's alone (issue 19, hardening)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bots.matrix.memory import BotMemory, Credentials
from coord.db import make_engine


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most careless umask a service could be started with: everything readable by everyone."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_journal_are_created_for_the_owner_only(
    tmp_path: Path, open_umask: None
) -> None:
    # Given no database yet, and a umask that would let anyone read
    database = tmp_path / "coord.db"
    # When the service opens it and writes
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (body TEXT)"))
        connection.execute(text("INSERT INTO note VALUES ('12-2-301, 13800000001')"))
    # Then the file and its WAL files are readable and writable by the owner only
    written = [database, *(tmp_path / f"coord.db-{part}" for part in ("wal", "shm"))]
    assert all(mode(path) == 0o600 for path in written if path.exists())
    assert (tmp_path / "coord.db-wal").exists()
    engine.dispose()


def test_the_matrix_store_and_its_files_are_for_the_owner_only(tmp_path: Path, open_umask: None) -> None:
    # Given a new store
    memory = BotMemory(tmp_path / "store")
    # When the device's token and sync position are kept
    memory.save_credentials(Credentials("@bot:localhost", "DEVICE", "syt_secret_token"))
    memory.save_sync_token("s1_2_3")
    # Then the directory and every file in it are the owner's alone
    assert mode(tmp_path / "store") == 0o700
    assert {path.name: mode(path) for path in (tmp_path / "store").iterdir()} == {
        "credentials.json": 0o600,
        "sync_token": 0o600,
    }


def test_a_store_left_open_by_an_older_version_is_closed(tmp_path: Path, open_umask: None) -> None:
    store = tmp_path / "store"
    store.mkdir(mode=0o755)
    BotMemory(store)
    assert mode(store) == 0o700
