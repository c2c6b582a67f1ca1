"""Replies as Matrix sees them: an ``m.notice`` with an HTML ``formatted_body``, and buttons shown as the
short commands a person types (Matrix has no buttons): the button that claims task 12 reads ``!claim 12``.

``typed_command(payload)`` is the text that ``coord.chat.parse`` reads as the same command as the pressed
payload; an answer in a guided conversation (``v:yes``) is typed as the answer itself (``yes``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from coord import payloads

Rows = Sequence[Sequence[tuple[str, str]]]  # rows of (label, payload)


def typed_command(payload: str) -> str | None:
    """What to type for the button with ``payload``; None for a payload that is not ours."""
    decoded = payloads.decode(payload)
    if decoded is None:
        return None
    name, args, options = decoded
    if name == "answer":
        return args[0]
    words = ["!" + name, *args, *(f"{key}={value}" for key, value in options.items())]
    return " ".join(words)


def choices(buttons: Rows) -> list[tuple[str, str]]:
    """Each button as (label, command to type), in order; buttons without a typed form are left out."""
    found = []
    for row in buttons:
        for label, payload in row:
            command = typed_command(payload)
            if command is not None:
                found.append((label, command))
    return found


def notice(text: str, buttons: Rows = ()) -> dict[str, Any]:
    """The content of an ``m.notice``: plain ``body`` and an HTML ``formatted_body`` (text escaped),
    each button a line ``label: command`` under the text."""
    options = choices(buttons)
    body = text
    formatted = html.escape(text).replace("\n", "<br>")
    if options:
        body += "\n\n" + "\n".join(f"▸ {label}: {cmd}" for label, cmd in options)
        items = "".join(
            f"<li>{html.escape(label)}: <code>{html.escape(cmd)}</code></li>" for label, cmd in options
        )
        formatted += f"<ul>{items}</ul>"
    return {
        "msgtype": "m.notice",
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    }


def replying_to(content: dict[str, Any], event_id: str) -> dict[str, Any]:
    """``content`` as a reply to the message ``event_id`` (shown above it by clients)."""
    return {**content, "m.relates_to": {"m.in_reply_to": {"event_id": event_id}}}
