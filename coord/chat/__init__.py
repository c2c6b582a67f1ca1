"""The conversation layer shared by every chat network.

Adapters build an ``Inbound`` from an update, ask a ``ChatStore`` (built by the entry point) for the
replies and render each ``Reply`` with ``render_text`` and ``render_buttons``; what an adapter must
remember of its chats it keeps through the same ``ChatStore``. Everything else (commands, guided
conversations, privacy, languages) happens here, on top of the services in ``coord.services``.
"""

from coord.chat.handler import handle, handle_safely, something_went_wrong
from coord.chat.parse import Command, parse, parse_payload
from coord.chat.port import MAX_PAYLOAD_BYTES, Button, Inbound, Joined, Moment, Phrase, Reply
from coord.chat.render import render_buttons, render_text
from coord.chat.store import Account, CardEdit, ChatNoteKind, ChatStore, SessionFactory

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Account",
    "Button",
    "CardEdit",
    "ChatNoteKind",
    "ChatStore",
    "Command",
    "Inbound",
    "Joined",
    "Moment",
    "Phrase",
    "Reply",
    "SessionFactory",
    "handle",
    "handle_safely",
    "parse",
    "parse_payload",
    "render_buttons",
    "render_text",
    "something_went_wrong",
]
