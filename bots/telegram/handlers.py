"""The bot's handlers: an update in, the conversation layer's replies out. Each stays thin."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import cast

from telegram import Bot, Chat, Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bots.telegram.inbound import NETWORK, display_name, from_button, from_message
from bots.telegram.patience import patiently
from bots.telegram.render import keyboard_of, toast_of
from bots.telegram.replies import Origin, send_replies
from coord.chat import ChatStore, Inbound, Reply, parse, parse_payload
from coord.clock import Clock

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """What the handlers need, kept in ``application.bot_data``."""

    store: ChatStore
    clock: Clock
    cards_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    cards_posted: bool = True  # False once no card is remembered: then updates skip the look at cards


def deps_of(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    return cast(Deps, context.bot_data["coord"])


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a message typed to the bot (or said in a group the bot is in)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    inbound = from_message(message, user, context.bot.username or "")
    if inbound is None:
        return
    origin = Origin(
        message.chat.id, message.chat.type == Chat.PRIVATE, user.id, display_name(user), message.message_id
    )
    replies = await converse(context, inbound)
    await answer(context, replies, origin, inbound)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a pressed inline button, always acknowledging the press."""
    query = update.callback_query
    if query is None:
        return
    toast = ""
    try:
        pressed = query.message
        if pressed is None:  # a button of an inline-mode message: not ours
            return
        inbound = from_button(query, pressed.chat)
        origin = Origin(
            pressed.chat.id,
            pressed.chat.type == Chat.PRIVATE,
            query.from_user.id,
            display_name(query.from_user),
            pressed_id=pressed.message_id if isinstance(pressed, Message) else None,
        )
        replies = await converse(context, inbound)
        here = [r for r in replies if r.target == "here"]
        if here and not origin.is_private:
            toast = toast_of(here[0])  # in a busy group, the presser sees their outcome at once
        await answer(context, replies, origin, inbound)
    finally:
        await _acknowledge(context.bot, query.id, toast)


async def answer(
    context: ContextTypes.DEFAULT_TYPE, replies: list[Reply], origin: Origin, inbound: Inbound
) -> None:
    """Send the replies, then bring the group cards up to date if the update may have changed work."""
    deps = deps_of(context)
    if await send_replies(context.bot, replies, origin, store=deps.store):
        deps.cards_posted = True
    if replies and deps.cards_posted and may_change_work(inbound):
        await refresh_cards(context.bot, deps)


async def _acknowledge(bot: Bot, query_id: str, toast: str) -> None:
    try:
        await patiently(
            lambda: bot.answer_callback_query(query_id, text=toast or None), what="answerCallbackQuery"
        )
    except BadRequest as exc:  # too old: Telegram forgets a press after about 15 minutes
        log.info("telegram: could not answer button press %s: %s", query_id, exc)


async def converse(context: ContextTypes.DEFAULT_TYPE, inbound: Inbound) -> list[Reply]:
    """The conversation layer's answer, computed off the event loop (it talks to the database)."""
    deps = deps_of(context)
    return await asyncio.to_thread(deps.store.answer, inbound, now=deps.clock.now())


def may_change_work(inbound: Inbound) -> bool:
    """Whether an answered update may have changed work (then the group cards are looked at)."""
    command = parse_payload(inbound.payload) if inbound.payload is not None else parse(inbound.text)
    return not command.reads_only


async def refresh_cards(bot: Bot, deps: Deps) -> int:
    """Edit every remembered group card whose task changed; returns how many were edited."""
    async with deps.cards_lock:
        edits, remembered = await asyncio.to_thread(
            deps.store.stale_cards, network=NETWORK, now=deps.clock.now()
        )
        deps.cards_posted = remembered > 0
        done = 0
        for edit in edits:
            markup = keyboard_of(edit.buttons)
            try:
                await patiently(
                    lambda edit=edit, markup=markup: bot.edit_message_text(  # type: ignore[misc]
                        edit.text[:4096],
                        chat_id=edit.chat_id,
                        message_id=int(edit.message_id),
                        reply_markup=markup,
                    ),
                    what="editMessageText",
                )
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    log.info("telegram: forgetting card %s in %s: %s", edit.message_id, edit.chat_id, exc)
                    await asyncio.to_thread(deps.store.forget_card, edit.card_id)
                    continue
            except Forbidden as exc:  # the bot left the group
                log.info("telegram: forgetting card %s in %s: %s", edit.message_id, edit.chat_id, exc)
                await asyncio.to_thread(deps.store.forget_card, edit.card_id)
                continue
            await asyncio.to_thread(deps.store.card_refreshed, edit)
            done += 1
        return done


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what a handler could not do; the person was already told when the chat layer failed."""
    log.error("telegram: error while handling an update", exc_info=context.error)
