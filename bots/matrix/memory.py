"""What the Matrix bot keeps between runs, in ``settings.matrix_store_path`` (a directory).

- ``credentials.json``: the user id, device id and access token of the first login, reused after;
- ``sync_token``: where the last handled sync ended, so a restart does not replay commands;
- ``rooms.json``: the direct chats, the strangers already told how to get an invite (per room), and the
  encrypted rooms already told that the bot cannot read them.

Every file is written atomically (a temporary file renamed over the old one).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Credentials:
    user_id: str
    device_id: str
    access_token: str


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a reader sees the old or the new content, never half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class BotMemory:
    """The bot's files; safe to use from several threads (the gateway may read the credentials)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        rooms = self._read_json("rooms.json") or {}
        self._direct: set[str] = set(rooms.get("direct", []))
        self._told: set[str] = set(rooms.get("told", []))
        self._warned: set[str] = set(rooms.get("encrypted_warned", []))

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
            os.chmod(self.directory / "credentials.json", 0o600)

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

    def is_direct(self, room_id: str) -> bool:
        return room_id in self._direct

    def add_direct(self, room_id: str) -> None:
        self._remember(self._direct, room_id)

    def was_told(self, room_id: str, user_id: str) -> bool:
        return f"{room_id} {user_id}" in self._told

    def remember_told(self, room_id: str, user_id: str) -> None:
        self._remember(self._told, f"{room_id} {user_id}")

    def was_warned(self, room_id: str) -> bool:
        return room_id in self._warned

    def remember_warned(self, room_id: str) -> None:
        self._remember(self._warned, room_id)

    def _remember(self, into: set[str], item: str) -> None:
        with self._lock:
            if item in into:
                return
            into.add(item)
            rooms = {
                "direct": sorted(self._direct),
                "told": sorted(self._told),
                "encrypted_warned": sorted(self._warned),
            }
            write_atomically(self.directory / "rooms.json", json.dumps(rooms, indent=1))
