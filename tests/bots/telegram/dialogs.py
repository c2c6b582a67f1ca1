"""Plays the conversation layer's dialog tables (tests/chat/dialogs.py) through Telegram.

Every step becomes an update the fake server hands to the real bot; what the bot sent back over HTTP
(new messages and edits) is the transcript checked against the table, with ``tests/chat/runner.check``.
In a group step, messages to the group are what the group sees (``never`` is checked there) and
messages to the person's private chat are the direct ones; in a private step both are that chat.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from coord.clock import FrozenClock
from peers.telegram_api import Call
from tests.bots.telegram.conftest import GROUP, NEW_GROUP, BotUnderTest, private, tg_user
from tests.chat.dialogs import Dialog
from tests.chat.runner import Transcript, check
from tests.chat.scene import Scene, build_scene
from tests.factories import World

USER_IDS = {
    "stranger": 700001,
    "volunteer": 700002,
    "volunteer2": 700003,
    "helper": 700004,
    "captain": 700005,
    "supply_captain": 700006,
    "coordinator": 700007,
}


def telegram_ids(part: str) -> tuple[str, str]:
    """A person's Telegram account id and private chat id: the same number on Telegram."""
    return str(USER_IDS[part]), str(USER_IDS[part])


def telegram_scene(session: Session, world: World, dialog: Dialog) -> Scene:
    return build_scene(
        session,
        world,
        health_required=dialog.health_required,
        setup=dialog.setup,
        network="telegram",
        group_chat=str(GROUP["id"]),
        ids=telegram_ids,
    )


def user_for(part: str, scene: Scene, language: str) -> dict[str, Any]:
    person = scene.cast.get(part)
    return tg_user(USER_IDS[part], person.name if person else "New Neighbour", language)


def play(
    dialog: Dialog, language: str, *, scene: Scene, session: Session, bot: BotUnderTest, clock: FrozenClock
) -> list[Transcript]:
    """Every step through the bot; fails at the first transcript that does not match the table."""
    for person in scene.cast.values():
        person.language = language
    session.flush()
    bot.server.opened.update(USER_IDS[part] for part in scene.cast)  # they have chatted with the bot before
    clock.set(scene.now)
    transcripts = []
    for number, step in enumerate(dialog.steps, 1):
        clock.advance(timedelta(minutes=step.after))
        user = user_for(step.who, scene, language)
        chat = private(user) if step.where == "private" else NEW_GROUP if step.where == "new_group" else GROUP
        if step.press:
            calls = bot.press(user, chat, step.press.format(**scene.values))
        else:
            calls = bot.say(user, chat, step.say.format(**scene.values) or None)
        transcript = transcript_of(step, calls, chat_id=int(chat["id"]), user_id=int(user["id"]))
        where = f"{dialog.name}, step {number} ({step.say or step.press!r})"
        check(transcript, language, scene, where=where)
        transcripts.append(transcript)
    return transcripts


def transcript_of(step: Any, calls: list[Call], *, chat_id: int, user_id: int) -> Transcript:
    transcript = Transcript(step)
    for call in calls:
        text = f"{call.text}\n{' '.join(label_texts(call))}".strip()
        if call.chat_id == chat_id:
            transcript.here.append(text)
        if call.chat_id == user_id:
            transcript.direct.append(text)
        if call.chat_id not in (chat_id, user_id):
            raise AssertionError(f"the bot wrote to chat {call.chat_id}, which took no part in this step")
        transcript.payloads += call.payloads
    return transcript


def label_texts(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b.get("text", "") for row in markup.get("inline_keyboard", []) for b in row]
