"""Sending the conversation's replies for one update: here, in place, or privately.

- ``here`` replies go to the chat the update came from; on a button pressed in a private chat the first
  one edits the pressed message in place (a task card becomes its next step, a page its next page);
- ``direct`` replies carry private details: they go to the person's private chat only, never to a group.
  When Telegram refuses (403: the person never opened a chat with the bot, or blocked it), the group is
  told how to open one, without any of the details;
- a task card answered in a group is remembered so it can be refreshed as its task changes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden

from bots.telegram.gateway import split_text
from bots.telegram.inbound import NETWORK
from bots.telegram.patience import patiently
from bots.telegram.render import markup_of, open_private_chat, text_of
from coord.chat import ChatStore, Reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Where an update came from: its chat, who sent it, and the message to answer or edit."""

    chat_id: int
    is_private: bool
    user_id: int
    name: str
    message_id: int | None = None  # the person's message (answered as a reply in a group)
    pressed_id: int | None = None  # the bot's message whose button was pressed


def chat_ref(chat_id: str | int) -> int | str:
    text = str(chat_id)
    return int(text) if text.lstrip("-").isdigit() else text


async def send_replies(bot: Bot, replies: list[Reply], origin: Origin, *, store: ChatStore) -> int:
    """Send every reply of one update, in order; returns how many group cards were remembered."""
    cards = 0
    edit_first = origin.is_private and origin.pressed_id is not None
    for reply in replies:
        if reply.target == "direct":
            await _send_direct(bot, reply, origin, store=store)
            continue
        edit = reply.edit_of or (str(origin.pressed_id) if edit_first else None)
        edit_first = False
        if edit is not None and await _edit(bot, origin.chat_id, edit, reply):
            continue
        sent = await send_text(
            bot, origin.chat_id, reply, reply_to=None if origin.is_private else origin.message_id
        )
        if reply.card_of is not None and not origin.is_private and sent is not None:
            await asyncio.to_thread(
                store.remember_card,
                network=NETWORK,
                chat_id=str(origin.chat_id),
                message_id=str(sent.message_id),
                task_id=reply.card_of,
                language=reply.language,
            )
            cards += 1
    return cards


async def send_text(
    bot: Bot, chat_id: int | str, reply: Reply, *, reply_to: int | None = None
) -> Message | None:
    """The reply as one message (several when longer than Telegram allows); the last one sent."""
    pieces = split_text(text_of(reply, bot.username or ""))
    last = None
    for number, piece in enumerate(pieces, 1):
        markup = markup_of(reply) if number == len(pieces) else None
        quote = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and number == 1 else None
        )
        last = await patiently(
            lambda piece=piece, markup=markup, quote=quote: bot.send_message(  # type: ignore[misc]
                chat_id, piece, reply_markup=markup, reply_parameters=quote
            ),
            what="sendMessage",
        )
    return last


async def _edit(bot: Bot, chat_id: int, message_id: str, reply: Reply) -> bool:
    """Edit a message in place; False when it cannot be edited (then the reply is sent anew)."""
    try:
        await patiently(
            lambda: bot.edit_message_text(
                text_of(reply, bot.username or "")[:4096],
                chat_id=chat_id,
                message_id=int(message_id),
                reply_markup=markup_of(reply),
            ),
            what="editMessageText",
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        log.info("telegram: could not edit message %s in %s (%s); sending anew", message_id, chat_id, exc)
        return False
    return True


async def _send_direct(bot: Bot, reply: Reply, origin: Origin, *, store: ChatStore) -> None:
    """Private details to the person's private chat; if it cannot be reached, the group learns how.

    The outbox copy the reply carries is settled once the send went through; a refused send hands it to
    delivery at once (a crash in between leaves it to delivery after its lease, marked as a repeat)."""
    target = chat_ref(reply.direct_chat_id or origin.user_id)
    if isinstance(target, int) and target < 0:
        log.error("telegram: refused to send private details to group chat %s", target)
        target = origin.user_id
    try:
        await send_text(bot, target, reply)
    except (Forbidden, BadRequest) as exc:
        await asyncio.to_thread(store.reply_not_sent, reply)
        if isinstance(exc, BadRequest) and "chat not found" not in exc.message.lower():
            raise
        log.info("telegram: private chat with %s not open (%s)", origin.user_id, exc)
        if not origin.is_private:
            note = open_private_chat(origin.name, bot.username or "", reply.language)
            await patiently(lambda: bot.send_message(origin.chat_id, note), what="sendMessage")
        return
    # A timeout or a lost connection raises on: the outcome is unknown, so the copy stays held and
    # delivery sends it after its lease, marked as a repeat.
    await asyncio.to_thread(store.reply_sent, reply)
