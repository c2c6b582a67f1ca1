"""The bot's own place in groups: added to one (a word on making it a team's chat), gone from one (left
or removed: it is no team's chat any more), and a group upgraded to a supergroup (its link follows the
new id). Telegram sends the first two as ``my_chat_member`` updates, the last as a service message."""

from __future__ import annotations

import asyncio

from telegram import Chat, ChatMember, Update
from telegram.ext import ContextTypes

from bots.telegram.handlers import deps_of
from bots.telegram.inbound import NETWORK, display_name
from bots.telegram.replies import Origin, send_replies
from coord.chat import Inbound

IN_CHAT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def is_in_chat(member: ChatMember) -> bool:
    """Whether a member's status puts them in the chat (a restricted member may be in it or not)."""
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in IN_CHAT


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to a group, or left it or was removed from it."""
    changed = update.my_chat_member
    if changed is None or changed.chat.type == Chat.PRIVATE:
        return  # a person blocking or unblocking the bot: their direct chat stays theirs
    chat, user = changed.chat, changed.from_user
    was, is_now = is_in_chat(changed.old_chat_member), is_in_chat(changed.new_chat_member)
    deps = deps_of(context)
    if was and not is_now:
        await asyncio.to_thread(
            deps.store.bot_left, NETWORK, str(chat.id), by_user=str(user.id), now=deps.clock.now()
        )
    elif is_now and not was and not user.is_bot:
        inbound = Inbound(
            network=NETWORK,
            user_id=str(user.id),
            display_name=display_name(user),
            chat_id=str(chat.id),
            is_private_chat=False,
            language_hint=user.language_code,
        )
        replies = await asyncio.to_thread(deps.store.bot_joined, inbound, now=deps.clock.now())
        origin = Origin(chat.id, False, user.id, display_name(user))
        await send_replies(context.bot, replies, origin, store=deps.store)


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group upgraded to a supergroup: the team's link moves to the supergroup's id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    deps = deps_of(context)
    await asyncio.to_thread(
        deps.store.chat_moved,
        NETWORK,
        str(message.chat.id),
        str(message.migrate_to_chat_id),
        now=deps.clock.now(),
    )
