"""Guided conversations: their state lives in the database, keyed by (network, user, chat).

A flow asks one question at a time. Its answers arrive as plain text or as ``v:`` button payloads;
"stop" leaves it at any step; one left alone for ``TTL`` is dropped with a note on the next message.
A command sent instead of an answer (``help``, ``board``, ``cantdo 2 …``: see ``interrupts``) is run, and
the question is dropped with a note: a reason or a title is never taken from the next command.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import timedelta
from typing import Any

from coord import payloads
from coord.chat.context import Context
from coord.chat.parse import Command, fold, task_id
from coord.chat.port import Button, Reply
from coord.chat.words import (
    KIND_WORDS,
    LANGUAGE_WORDS,
    NO_WORDS,
    NOW_WORDS,
    ROLE_WORDS,
    SKIP_WORDS,
    TODAY_WORDS,
    TOMORROW_WORDS,
    YES_WORDS,
)
from coord.errors import CoordError
from coord.i18n import N_
from coord.kinds import KINDS
from coord.models import Conversation

TTL = timedelta(minutes=15)

#: A flow's step handler: the context, the conversation, the answer given (text or button value).
Step = Callable[[Context, Conversation, str], list[Reply]]
FLOWS: dict[str, Step] = {}
#: The steps of each flow whose answer is free text, kept as typed (a title, a reason, a message).
FREE_TEXT: dict[str, frozenset[str]] = {}


def flow(name: str, *, free_text: Collection[str] = ()) -> Callable[[Step], Step]:
    """Register the handler of the flow ``name``; the answers of its ``free_text`` steps are handed over as
    typed, the others folded for reading (full-width digits, letters and punctuation become ASCII)."""

    def register(step: Step) -> Step:
        FLOWS[name] = step
        FREE_TEXT[name] = frozenset(free_text)
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
    free = conversation.step in FREE_TEXT.get(conversation.flow, ())
    return step(ctx, conversation, value if free else fold(value))


#: Commands that take a number first (``cantdo 2 …``, ``delivered 7``): followed by one, they are commands.
TASK_COMMANDS = frozenset(
    {
        "claim",
        "task",
        "checkin",
        "done",
        "release",
        "cantdo",
        "decline",
        "reassign",
        "noshow",
        "cancel",
        "place",
        # a captain's records for a member (issue 18) and the requests' numbers (issue 16)
        "donefor",
        "checkinfor",
        "hours",
        "delivered",
        "notathome",
        "refused",
        "received",
        "withdraw",
        "keep",
        "confirm",
        "problem",
    }
)
#: Short answers that are also command words (健康, today): while a question waits, they answer it.
ANSWER_WORDS = YES_WORDS | NO_WORDS | SKIP_WORDS | TODAY_WORDS | TOMORROW_WORDS | NOW_WORDS


def interrupts(command: Command) -> bool:
    """Whether ``command``, typed while a question waits, is a command rather than the answer: a command
    word alone (``help``, ``board``), or followed by what it takes first (``cantdo 2 …``, ``new gate …``,
    ``health yes``); never a short answer that happens to be a command word too."""
    if not command.known or command.name == "stop":
        return False
    if command.explicit:
        return True
    if fold(command.raw).strip().lower() in ANSWER_WORDS:
        return False
    if not command.args:
        return not command.options
    first = command.args[0].lower()
    expects = {
        "new": set(KIND_WORDS) | set(KINDS),
        "invite": set(ROLE_WORDS),
        "health": YES_WORDS | NO_WORDS,
        "language": set(LANGUAGE_WORDS),
    }
    if command.name in TASK_COMMANDS:
        return task_id(first) is not None
    return first in expects.get(command.name, ())


def set_aside(ctx: Context) -> Reply:
    """End the question under way, because a command came instead of its answer, and say so."""
    end(ctx)
    return ctx.say(N_("Your earlier question is cancelled; nothing was saved from it."))


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
