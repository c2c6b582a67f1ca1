"""The conversation layer shared by every chat network.

Adapters build an ``Inbound`` from an update, call ``handle_safely`` and render each ``Reply`` with
``render_text`` and ``render_buttons``; everything else (commands, guided conversations, privacy,
languages) happens here, on top of the services in ``coord.services``.
"""

from coord.chat.handler import handle, handle_safely, something_went_wrong
from coord.chat.parse import Command, parse, parse_payload
from coord.chat.port import MAX_PAYLOAD_BYTES, Button, Inbound, Joined, Moment, Phrase, Reply
from coord.chat.render import render_buttons, render_text

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Button",
    "Command",
    "Inbound",
    "Joined",
    "Moment",
    "Phrase",
    "Reply",
    "handle",
    "handle_safely",
    "parse",
    "parse_payload",
    "render_buttons",
    "render_text",
    "something_went_wrong",
]
