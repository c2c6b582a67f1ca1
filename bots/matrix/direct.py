"""Direct chats that stay private: before anything private is sent to a room, its joined members must be
exactly the person and the bot (issue 19).

A direct chat can change under the bot: someone else joins (or is invited), or the person leaves. Then the
room is no longer theirs alone, and the bot and the workers' gateway open a new direct chat instead, with
history visible to a member only from their invitation (a later member never reads earlier details), say
so in the old room without details, and leave it. Which rooms are whose direct chats is recorded in the bot's
``m.direct`` account data, as Matrix clients expect: it tells the gateway, which has no database, whose
chat a room was, and it tells the bot's sync loop which new direct chat to record in the database.

Synchronous (plain HTTP through a ``Call``): the gateway runs in worker threads, the bot in a thread of
its own (``asyncio.to_thread``).
"""

from __future__ import annotations

import contextlib
import logging
import urllib.parse
from collections.abc import Callable
from typing import Any

from coord.i18n import N_, translate
from coord.services.outbox.gateways import PermanentFailure

log = logging.getLogger(__name__)

#: ``call(method, path, body)``: a client-server API request as the bot; raises the gateway's failures.
Call = Callable[[str, str, "dict[str, Any] | None"], Any]

MOVED = N_(
    "This chat is no longer between the two of us only, so I have opened a new direct chat for what is "
    "private. Please accept its invitation."
)
HIDDEN_HISTORY = {
    "type": "m.room.history_visibility",
    "state_key": "",
    "content": {"history_visibility": "invited"},
}


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


class DirectChats:
    """The bot's direct chats on a homeserver, checked and moved through the client-server API."""

    def __init__(self, call: Call, bot_user_id: str) -> None:
        self.call = call
        self.bot = bot_user_id

    def joined(self, room_id: str) -> set[str] | None:
        """The room's joined members; None when the bot is not in it (it left, or the room is gone)."""
        try:
            answer = self.call("GET", f"/_matrix/client/v3/rooms/{_quote(room_id)}/joined_members", None)
        except PermanentFailure:
            return None
        return set(answer.get("joined", {}))

    def invited(self, room_id: str) -> set[str]:
        """Who is invited to the room and has not answered yet."""
        path = f"/_matrix/client/v3/rooms/{_quote(room_id)}/members?membership=invite"
        try:
            answer = self.call("GET", path, None)
        except PermanentFailure:
            return set()
        return {str(event.get("state_key")) for event in answer.get("chunk", [])}

    def is_private_with(self, room_id: str, user_id: str) -> bool:
        """The room's members are exactly ``user_id`` and the bot, and nobody else is invited."""
        members = self.joined(room_id)
        return members == {self.bot, user_id} and not self.invited(room_id)

    def direct_rooms(self) -> dict[str, list[str]]:
        """The bot's ``m.direct``: user id → the direct chats with them, oldest first."""
        path = f"/_matrix/client/v3/user/{_quote(self.bot)}/account_data/m.direct"
        try:
            found = self.call("GET", path, None)
        except PermanentFailure:  # 404: none recorded yet
            return {}
        return {str(u): [str(r) for r in rooms] for u, rooms in found.items() if isinstance(rooms, list)}

    def record(self, user_id: str, room_id: str) -> None:
        """Record ``room_id`` as the newest direct chat with ``user_id`` in ``m.direct``."""
        direct = self.direct_rooms()
        rooms = [r for r in direct.get(user_id, []) if r != room_id] + [room_id]
        direct[user_id] = rooms
        self.call("PUT", f"/_matrix/client/v3/user/{_quote(self.bot)}/account_data/m.direct", direct)

    def holder(self, room_id: str) -> str | None:
        """Whose direct chat ``room_id`` is: from ``m.direct``, else from the room's state (a direct chat
        from before ``m.direct`` was kept): the person who created it and invited the bot, or the one
        the bot invited to it as a direct chat."""
        for user, rooms in self.direct_rooms().items():
            if room_id in rooms:
                return user
        try:
            state = self.call("GET", f"/_matrix/client/v3/rooms/{_quote(room_id)}/state", None)
        except PermanentFailure:
            return None
        creator = next((str(e.get("sender")) for e in state if e.get("type") == "m.room.create"), None)
        if creator is not None and creator != self.bot:
            return creator
        invited = {
            str(e.get("state_key"))
            for e in state
            if e.get("type") == "m.room.member" and (e.get("content") or {}).get("is_direct")
        } - {self.bot}
        return invited.pop() if len(invited) == 1 else None

    def open(self, user_id: str) -> str:
        """A new direct chat with ``user_id``, its history hidden from later members, recorded."""
        body = {
            "is_direct": True,
            "invite": [user_id],
            "preset": "trusted_private_chat",
            "initial_state": [HIDDEN_HISTORY],
        }
        room_id = str(self.call("POST", "/_matrix/client/v3/createRoom", body)["room_id"])
        self.record(user_id, room_id)
        log.info("matrix: opened direct chat %s with %s", room_id, user_id)
        return room_id

    def private_room(self, room_id: str, user_id: str | None = None) -> tuple[str, bool]:
        """The room to send ``user_id``'s private message to: ``room_id`` while it is theirs and the bot's
        alone, else their newest such direct chat, else a new one. Returns the room and whether it
        changed. Raises ``PermanentFailure`` when it cannot tell whose chat ``room_id`` was."""
        user = user_id or self.holder(room_id)
        if user is None:
            raise PermanentFailure(f"{room_id} is not a direct chat any more, and whose it was is unknown")
        if self.is_private_with(room_id, user):
            return room_id, False
        self.leave_changed(room_id)
        for other in reversed(self.direct_rooms().get(user, [])):
            if other != room_id and self.is_private_with(other, user):
                return other, True
        return self.open(user), True

    def leave_changed(self, room_id: str) -> None:
        """Say in a direct chat that changed, without details, that a new one is opened; then leave it."""
        members = self.joined(room_id)
        if members is None:
            return
        if members - {self.bot}:
            # Matrix tells nothing of a reader's language: both, English first.
            text = translate(MOVED, "en") + "\n" + translate(MOVED, "zh")
            content = {"msgtype": "m.notice", "body": text}
            room = _quote(room_id)
            path = f"/_matrix/client/v3/rooms/{room}/send/m.room.message/coord-moved-{room}"
            try:
                self.call("PUT", path, content)
            except PermanentFailure:
                log.warning("matrix: could not tell %s that a new direct chat was opened", room_id)
        with contextlib.suppress(PermanentFailure):
            self.call("POST", f"/_matrix/client/v3/rooms/{_quote(room_id)}/leave", {})
        log.info("matrix: left %s, a direct chat that is no longer private", room_id)
