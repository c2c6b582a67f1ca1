"""Guided conversations: their state lives in the database, keyed by (network, user, chat).

A flow asks one question at a time. Its answers arrive as plain text or as ``v:`` button payloads;
"stop" leaves it at any step; one left alone for ``TTL`` is dropped with a note on the next message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from coord import payloads
from coord.chat.context import Context
from coord.chat.port import Button, Reply
from coord.errors import CoordError
from coord.i18n import N_
from coord.models import Conversation

TTL = timedelta(minutes=15)

#: A flow's step handler: the context, the conversation, the answer given (text or button value).
Step = Callable[[Context, Conversation, str], list[Reply]]
FLOWS: dict[str, Step] = {}


def flow(name: str) -> Callable[[Step], Step]:
    """Register the handler of the flow ``name``."""

    def register(step: Step) -> Step:
        FLOWS[name] = step
        return step

    return register


def current(ctx: Context, conversation: Conversation | None) -> tuple[Conversation | None, str | None]:
    """The conversation under way in this chat, or the name of one that had expired (now dropped)."""
    if conversation is None:
        return None, None
    if conversation.expires_at <= ctx.now:
        ctx.session.delete(conversation)
        ctx.session.flush()
        return None, conversation.flow
    return conversation, None


def begin(ctx: Context, flow_name: str, step: str, data: dict[str, Any]) -> Conversation:
    """Start ``flow_name`` at ``step`` (replacing any conversation under way in this chat)."""
    conversation = ctx.conversation
    if conversation is None:
        conversation = Conversation(
            network=ctx.inbound.network[:20],
            user_id=ctx.inbound.user_id[:255],
            chat_id=ctx.inbound.chat_id[:255],
        )
        ctx.session.add(conversation)
        ctx.conversation = conversation
    conversation.person_id = ctx.person.id
    conversation.flow = flow_name
    conversation.started_at = ctx.now
    advance(ctx, conversation, step, data)
    return conversation


def advance(ctx: Context, conversation: Conversation, step: str, data: dict[str, Any]) -> None:
    conversation.step = step
    conversation.data = dict(data)  # a new dict, so the JSON column is written
    conversation.expires_at = ctx.now + TTL
    ctx.session.flush()


def end(ctx: Context) -> None:
    if ctx.conversation is not None:
        ctx.session.delete(ctx.conversation)
        ctx.session.flush()
        ctx.conversation = None


def finish(ctx: Context, last_step: Callable[[], list[Reply]]) -> list[Reply]:
    """End the conversation, then take its last step; a refusal is shown and the conversation stays ended."""
    end(ctx)
    try:
        return last_step()
    except CoordError as err:
        return [ctx.error(err)]


def answer(ctx: Context, value: str) -> list[Reply]:
    """Hand ``value`` to the step the conversation is at."""
    conversation = ctx.conversation
    assert conversation is not None
    step = FLOWS.get(conversation.flow)
    if step is None:  # a flow from an older version of the bot
        end(ctx)
        return [ctx.say(N_("That conversation has ended. Send help to see what you can do."))]
    return step(ctx, conversation, value)


def stop(ctx: Context) -> list[Reply]:
    if ctx.conversation is None:
        return [ctx.say(N_("There is nothing to stop. Send help to see what you can do."))]
    end(ctx)
    return [ctx.say(N_("Stopped. Nothing was changed."))]


def expired_note(ctx: Context) -> Reply:
    return ctx.say(
        N_("Your earlier question timed out after {minutes} minutes, so nothing was saved from it."),
        minutes=int(TTL.total_seconds() // 60),
    )


STOP_BUTTON = Button(N_("Stop"), payloads.STOP)
SKIP_BUTTON = Button(N_("Skip"), payloads.answer("-"))
