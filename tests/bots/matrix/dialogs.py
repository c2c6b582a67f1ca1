"""Every dialog table of the conversation layer (tests/chat/dialogs.py), played through Matrix.

Each person is a real matrix-nio client; the bot is ``run_bot`` against the same Synapse. A typed step is
sent as typed; a pressed button is typed as the command the bot showed for it (``!claim 12``, ``yes``),
after checking that the bot did show it. ``here`` is what the bot sent to the room the step was said in,
``direct`` what it sent to the person's direct chats; ``tests/chat/runner.check`` judges both.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bots.matrix.markup import typed_command
from coord.chat import ChatNoteKind, ChatStore
from coord.clock import FrozenClock
from coord.db import make_engine
from coord.migrate import upgrade
from peers.matrix_people import Person, Received
from tests.bots.matrix.stage import BotThread
from tests.chat.dialogs import Dialog, Step
from tests.chat.runner import Transcript, check
from tests.chat.scene import Scene, build_scene
from tests.factories import NOW, build_world

PARTS = ("stranger", "volunteer", "volunteer2", "helper", "captain", "supply_captain", "coordinator")
#: People whose direct chat the database does not know: the bot opens one when they speak in the room.
OPENED_BY_BOT = frozenset({"helper"})

_NOT_UNDERSTOOD = {"en": ("did not understand",), "zh": ("没看懂",)}
#: Steps that cannot happen on Matrix as on a network with buttons: a damaged payload, or a button of a
#: question that is no longer open. Typed on Matrix, they are words the bot does not understand.
TYPED_INSTEAD = {
    ("a guided question left alone expires with a note", "v:yes"),
    ("malformed input gets a helpful reply", "zz:9"),
    ("malformed input gets a helpful reply", "v:1"),
}


@dataclass
class MatrixStage:
    """One bot, its people and their rooms, reused by every dialog; each dialog gets a fresh database."""

    loop: asyncio.AbstractEventLoop
    people: dict[str, Person]
    direct: dict[str, str]  # each person's own direct chat with the bot
    group: str  # the gate team's room
    bot_id: str
    factory: sessionmaker[Session]
    clock: FrozenClock
    bot: BotThread
    tmp: Path
    engines: list[Engine] = field(default_factory=list)
    new_group: str = ""  # a room of them all with the bot, no team's when a dialog starts

    def fresh_scene(self, dialog: Dialog, language: str) -> Scene:
        engine = make_engine(f"sqlite:///{self.tmp / f'dialog{len(self.engines)}.sqlite3'}")
        upgrade(engine)
        self.engines.append(engine)
        self.factory.configure(bind=engine)  # the running bot's sessions use it from now on
        # The bot keeps which rooms are direct chats in its database: the fresh one knows those it joined.
        joined = [(room, ChatNoteKind.DIRECT, self.people[who].user_id) for who, room in self.direct.items()]
        ChatStore(self.factory).note_all("matrix", joined)

        def ids(part: str) -> tuple[str, str | None]:
            return self.people[part].user_id, None if part in OPENED_BY_BOT else self.direct[part]

        with self.factory() as session, session.begin():
            world = build_world(session)
            scene = build_scene(
                session,
                world,
                health_required=dialog.health_required,
                setup=dialog.setup,
                network="matrix",
                group_chat=self.group,
                ids=ids,
            )
            for person in scene.cast.values():
                person.language = language
        self.clock.set(NOW)
        return scene

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()


def play(stage: MatrixStage, dialog: Dialog, language: str) -> list[Transcript]:
    scene = stage.fresh_scene(dialog, language)
    return stage.loop.run_until_complete(_play(stage, dialog, language, scene))


async def _play(stage: MatrixStage, dialog: Dialog, language: str, scene: Scene) -> list[Transcript]:
    transcripts = []
    shown: dict[str, str] = {}  # everything the bot has shown each person in this dialog
    now = NOW
    for number, step in enumerate(dialog.steps, 1):
        now += timedelta(minutes=step.after)
        stage.clock.set(now)
        where = f"{dialog.name} over Matrix, step {number} ({step.say or step.press!r})"
        transcript = await _step(stage, dialog, step, scene, shown.get(step.who, ""), where)
        check(transcript, language, scene, where=where)
        shown[step.who] = shown.get(step.who, "") + "\n".join(transcript.here + transcript.direct)
        transcripts.append(transcript)
    return transcripts


async def _step(
    stage: MatrixStage, dialog: Dialog, step: Step, scene: Scene, shown: str, where: str
) -> Transcript:
    person = stage.people[step.who]
    rooms = {"group": stage.group, "new_group": stage.new_group}
    room = rooms.get(step.where) or stage.direct[step.who]
    await person.catch_up()
    if step.press:
        payload = step.press.format(**scene.values)
        typed = typed_command(payload) or payload
        if (dialog.name, step.press) in TYPED_INSTEAD:
            step = replace(step, en=_NOT_UNDERSTOOD["en"], zh=_NOT_UNDERSTOOD["zh"], buttons=())
        elif shown:  # a person types what the bot showed them (a first step's button was on an older card)
            assert f": {typed}" in shown, f"{where}: the bot never showed “{typed}”:\n{shown}"
        event_id = await person.say(room, typed)
    elif step.say:
        event_id = await person.say(room, step.say.format(**scene.values))
    else:  # an empty message: on Matrix, a picture instead of text
        content = {"msgtype": "m.image", "body": "photo.png", "url": "mxc://localhost/nothing"}
        event_id = await person.send(room, content)
    received = await person.until_read(event_id, stage.bot_id)
    return transcript_of(step, received, room, scene)


def transcript_of(step: Step, received: list[Received], room: str, scene: Scene) -> Transcript:
    transcript = Transcript(step)
    transcript.here = [m.body for m in received if m.room_id == room]
    direct_chats = [m.body for m in received if m.room_id != room]
    transcript.direct = transcript.here + direct_chats if step.where == "private" else direct_chats
    shown = "\n".join(transcript.here)
    for expected in step.buttons:
        payload = expected.format(**scene.values)
        command = typed_command(payload)
        if command is not None and command in shown:
            transcript.payloads.append(payload)
    return transcript
