"""What the Matrix bot's device keeps between runs, in ``settings.matrix_store_path`` (a directory).

- ``credentials.json``: the user id, device id and access token of the first login, reused after;
- ``sync_token``: where the last handled sync ended, so a restart does not replay commands.

Both belong to the device: a new login starts a new device, whose first sync is history. What the bot knows
of its rooms (direct chats, strangers told, encrypted rooms told) is kept in the database through the
``ChatStore``; a ``rooms.json`` left by an older version is handed over once (``old_rooms``).

Every file is written atomically (a temporary file renamed over the old one), readable by the service's
user only from its creation; the directory too.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Credentials:
    user_id: str
    device_id: str
    access_token: str


@dataclass(frozen=True)
class OldRooms:
    """What an older version kept in ``rooms.json``."""

    direct: list[str] = field(default_factory=list)  # room ids
    told: list[tuple[str, str]] = field(default_factory=list)  # (room id, user id)
    encrypted_warned: list[str] = field(default_factory=list)  # room ids


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a reader sees the old or the new content, never half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    # Created readable by the service's user only, before a byte is written: the credentials are never
    # readable by others, not even for a moment (a later chmod would leave that moment).
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file left behind keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class BotMemory:
    """The device's files; safe to use from several threads (the gateway may read the credentials)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        # The device's token lives here: the store is the service user's alone.
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self._lock = threading.Lock()

    def _read_json(self, name: str) -> Any:
        try:
            return json.loads((self.directory / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    @property
    def credentials(self) -> Credentials | None:
        data = self._read_json("credentials.json")
        return Credentials(**data) if data else None

    def save_credentials(self, credentials: Credentials) -> None:
        with self._lock:
            text = json.dumps(credentials.__dict__, indent=1)
            write_atomically(self.directory / "credentials.json", text)

    def forget_credentials(self) -> None:
        (self.directory / "credentials.json").unlink(missing_ok=True)

    @property
    def sync_token(self) -> str | None:
        try:
            return (self.directory / "sync_token").read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def save_sync_token(self, token: str) -> None:
        with self._lock:
            write_atomically(self.directory / "sync_token", token)

    def old_rooms(self) -> OldRooms | None:
        """The rooms an older version kept in ``rooms.json``; None when there is no such file."""
        rooms = self._read_json("rooms.json")
        if rooms is None:
            return None
        told = []
        for item in rooms.get("told", []):
            room_id, _, user_id = str(item).partition(" ")
            if user_id:
                told.append((room_id, user_id))
        return OldRooms(list(rooms.get("direct", [])), told, list(rooms.get("encrypted_warned", [])))

    def old_rooms_handed_over(self) -> None:
        """``rooms.json`` is in the database now: kept aside as ``rooms.json.imported``, never read again."""
        (self.directory / "rooms.json").replace(self.directory / "rooms.json.imported")
