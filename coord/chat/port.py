"""The narrow port between chat networks and the conversation: what comes in, what goes out.

An adapter turns an update into an ``Inbound``, calls ``handle_safely`` and renders each ``Reply``
with ``render_text`` and ``render_buttons``. Replies are data: a message id (English text) with
parameters, so every network and every language renders the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from coord import payloads

MAX_PAYLOAD_BYTES = payloads.MAX_BYTES  # Telegram's limit on callback data

Target = Literal["here", "direct"]


@dataclass(frozen=True)
class Inbound:
    """One message or button press from a person, as every network delivers it."""

    network: str
    user_id: str  # the network's id of the person
    display_name: str
    chat_id: str  # where it was said: a direct chat or a group chat / room
    is_private_chat: bool = True
    text: str | None = None
    payload: str | None = None  # a pressed button's payload
    language_hint: str | None = None  # e.g. Telegram's language_code


@dataclass(frozen=True)
class Phrase:
    """A message id with its parameters, translated when rendered; may sit inside another's parameters."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Joined:
    """Several parameters shown as one, e.g. a comma-separated list."""

    items: tuple[Any, ...]
    separator: str | None = None  # by default ", " in English and "、" in Chinese


@dataclass(frozen=True)
class Moment:
    """A point in time, shown in a community's timezone in the reader's language."""

    at: datetime
    zone: str
    with_date: bool = True


@dataclass(frozen=True)
class Button:
    """A button: its label (a message id with parameters) and the payload sent back when pressed."""

    label_key: str
    payload: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        size = len(self.payload.encode("utf-8"))
        if not 0 < size <= MAX_PAYLOAD_BYTES:
            raise ValueError(f"a button payload must be 1 to {MAX_PAYLOAD_BYTES} bytes, not {size}")


@dataclass(frozen=True)
class Reply:
    """What to say: where (``here`` or the person's ``direct`` chat), in which language, with which buttons.

    ``target="direct"`` is used for private details (addresses, phones): the adapter sends it to the
    person's direct chat with the bot, never to a group; ``direct_chat_id`` is that chat when known (else
    the adapter opens one: on Telegram it is the user's id). ``edit_of`` names a message to edit in place.
    ``card_of`` is the task whose public card this is (an adapter that edits cards in place keeps it).
    ``settles`` names the outbox notification this reply carries: the adapter confirms it with
    ``ChatStore.reply_sent`` once the send went through (``reply_not_sent`` when it did not), else a
    worker delivers it after a short lease, marked as a repeat.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[tuple[Button, ...], ...] = ()
    target: Target = "here"
    language: str = "en"
    edit_of: str | None = None
    direct_chat_id: str | None = None
    card_of: int | None = None
    settles: str | None = None

    @property
    def payloads(self) -> list[str]:
        return [button.payload for row in self.buttons for button in row]
