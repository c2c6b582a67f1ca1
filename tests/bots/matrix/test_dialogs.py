"""Every dialog table runs through Matrix, in English and in Chinese (on SQLite: the conversation's
database behaviour is covered on both databases by tests/chat)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from coord.clock import FrozenClock
from coord.db import make_engine
from coord.migrate import upgrade
from peers.matrix_people import Person
from peers.synapse import Synapse
from tests.bots.matrix.dialogs import PARTS, MatrixStage, play
from tests.bots.matrix.stage import BotThread, bot_settings
from tests.chat.dialogs import DIALOGS, Dialog
from tests.factories import NOW


@pytest.fixture(scope="module", params=["en", "zh"])
def stage(
    request: pytest.FixtureRequest, synapse: Synapse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MatrixStage]:
    language = str(request.param)
    tmp = tmp_path_factory.mktemp(f"matrix-dialogs-{language}")
    tag = secrets.token_hex(3)
    bot = synapse.register(f"coord-{tag}")
    people = {part: Person(synapse.register(f"{part}-{tag}"), synapse.url) for part in PARTS}
    loop = asyncio.new_event_loop()

    async def rooms() -> tuple[str, str, dict[str, str]]:
        others = [p.user_id for part, p in people.items() if part != "captain"]
        group = await people["captain"].open_room([*others, bot.user_id], name="Gate duty")
        new_group = await people["captain"].open_room([*others, bot.user_id], name="Building 3")
        direct = {part: await p.open_direct_chat(bot.user_id) for part, p in people.items()}
        await asyncio.gather(*(p.sync() for p in people.values()))  # everyone accepts the rooms' invites
        return group, new_group, direct

    group, new_group, direct = loop.run_until_complete(rooms())
    placeholder = make_engine(f"sqlite:///{tmp / 'start.sqlite3'}")
    upgrade(placeholder)
    factory = sessionmaker(bind=placeholder, expire_on_commit=False)
    clock = FrozenClock(NOW)
    settings = bot_settings(synapse, bot, tmp / "store", rooms=[group, new_group]).model_copy(
        update={"language": language}
    )
    running = BotThread(settings, factory, clock)

    async def joined() -> None:
        everyone = {bot.user_id, *(p.user_id for p in people.values())}
        await people["captain"].until_joined(group, everyone)
        await people["captain"].until_joined(new_group, everyone)
        for part, person in people.items():
            await person.until_joined(direct[part], {bot.user_id})

    loop.run_until_complete(joined())
    built = MatrixStage(
        loop, people, direct, group, bot.user_id, factory, clock, running, tmp, new_group=new_group
    )
    yield built
    running.stop()

    async def close() -> None:
        await asyncio.gather(*(p.close() for p in people.values()))

    loop.run_until_complete(close())
    loop.close()
    built.close()
    placeholder.dispose()


@pytest.mark.parametrize("dialog", DIALOGS, ids=[d.name.split(":")[0][:40] for d in DIALOGS])
def test_dialog_over_matrix(dialog: Dialog, stage: MatrixStage) -> None:
    language = stage.bot.settings.language
    transcripts = play(stage, dialog, language)
    assert len(transcripts) == len(dialog.steps)
