"""What a Matrix message says to the bot: its text without a reply's quoted fallback, and a leading
mention of the bot (``coord: claim 12``, ``@coord:example.org claim 12``) read as the ``!`` prefix."""

from __future__ import annotations

import re
from typing import Any

from nio import (
    InviteMemberEvent,
    RoomMemberEvent,
    RoomMessageEmote,
    RoomMessageText,
)


def message_text(event: Any) -> str | None:
    """The text a person typed; None for a picture, a file or anything else that is not text."""
    if not isinstance(event, RoomMessageText | RoomMessageEmote):
        return None
    text = str(event.body or "")
    if _replies(event.source):
        text = _without_fallback(text)
    return text


def addressed_to_bot(text: str, names: list[str]) -> str:
    """``text`` with a leading mention of one of ``names`` replaced by the ``!`` command prefix."""
    for name in sorted((n for n in names if n), key=len, reverse=True):
        match = re.match(rf"\s*@?{re.escape(name.lstrip('@'))}\s*[:,]?\s+(?=\S)", text, re.IGNORECASE)
        if match:
            rest = text[match.end() :]
            return rest if rest.startswith(("!", "/")) else "!" + rest
    return text


def _replies(source: dict[str, Any]) -> bool:
    relates = source.get("content", {}).get("m.relates_to") or {}
    return isinstance(relates, dict) and "m.in_reply_to" in relates


def _without_fallback(body: str) -> str:
    """A reply's body starts with the quoted message (``> …`` lines, then a blank line): drop it."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    return "\n".join(lines[index:]).lstrip("\n")


def invitation(invite_state: list[Any], user_id: str) -> tuple[str, bool] | None:
    """(inviter, is_direct) from an invite's stripped state; None if it is no invite for ``user_id``."""
    for event in invite_state:
        if (
            isinstance(event, InviteMemberEvent)
            and event.state_key == user_id
            and event.membership == "invite"
        ):
            return event.sender, bool(event.content.get("is_direct"))
    return None


def remover(timeline: list[Any], user_id: str) -> str:
    """Who took ``user_id`` out of a room (``user_id`` itself when it left), as a left room's timeline
    shows it; "" when the timeline does not show it."""
    for event in reversed(timeline):
        if (
            isinstance(event, RoomMemberEvent)
            and event.state_key == user_id
            and event.membership in ("leave", "ban")
        ):
            return str(event.sender)
    return ""
