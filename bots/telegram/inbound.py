"""From a Telegram update to the conversation layer's ``Inbound`` (and back to where to answer).

Addressing in a group follows Telegram's habits: ``/claim 12`` and ``/claim@coord_bot 12`` are for this
bot (the parser drops ``@coord_bot``), ``/claim@other_bot 12`` is for another bot and is ignored, and a
message starting with a mention (``@coord_bot claim 12``) is for this bot, as if typed with ``/``
(a bare mention is ``/help``).
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, Chat, Message, User

from coord.chat import Inbound

NETWORK = "telegram"
_COMMAND_TO = re.compile(r"^/[^\s@]+@(\S+)")


def addressed_text(text: str | None, bot_username: str) -> str | None:
    """The text as the parser should read it; None when it is addressed to another bot."""
    if text is None:
        return None
    stripped = text.lstrip()
    to = _COMMAND_TO.match(stripped)
    if to is not None and to.group(1).lower() != bot_username.lower():
        return None
    mention = f"@{bot_username}".lower()
    if bot_username and stripped.lower().startswith(mention):
        rest = stripped[len(mention) :]
        if not rest or rest[0].isspace() or rest[0] in ",:":
            return "/" + (rest.lstrip(" ,:\t\n") or "help")  # a bare mention asks what the bot can do
    return text


def display_name(user: User) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part) or str(user.id)


def from_message(message: Message, user: User, bot_username: str) -> Inbound | None:
    """A typed message (or a photo with a caption, or a sticker: no text) as an ``Inbound``."""
    text = addressed_text(message.text if message.text is not None else message.caption, bot_username)
    if text is None and (message.text is not None or message.caption is not None):
        return None  # a command for another bot
    return _inbound(message.chat, user, text=text)


def from_button(query: CallbackQuery, chat: Chat) -> Inbound:
    """A pressed inline button as an ``Inbound`` whose payload is the button's callback data."""
    return _inbound(chat, query.from_user, payload=query.data or "")


def _inbound(chat: Chat, user: User, *, text: str | None = None, payload: str | None = None) -> Inbound:
    return Inbound(
        network=NETWORK,
        user_id=str(user.id),
        display_name=display_name(user),
        chat_id=str(chat.id),
        is_private_chat=chat.type == Chat.PRIVATE,
        text=text,
        payload=payload,
        language_hint=user.language_code,
    )
