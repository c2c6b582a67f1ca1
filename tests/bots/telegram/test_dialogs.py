"""Every dialog table of the conversation layer, through the real bot over HTTP, in English and Chinese,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import FrozenClock
from peers.telegram_api import FakeTelegram
from tests.bots.telegram.conftest import BotUnderTest, start_bot
from tests.bots.telegram.dialogs import play, telegram_scene
from tests.chat.dialogs import DIALOGS, Dialog
from tests.factories import NOW, World


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def bot(
    telegram: FakeTelegram, chat_factory: sessionmaker[Session], clock: FrozenClock
) -> Iterator[BotUnderTest]:
    running = start_bot(telegram, chat_factory, clock)
    yield running
    running.close()


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("dialog", DIALOGS, ids=[d.name.split(":")[0][:40] for d in DIALOGS])
def test_dialog_through_telegram(
    dialog: Dialog, language: str, session: Session, world: World, bot: BotUnderTest, clock: FrozenClock
) -> None:
    scene = telegram_scene(session, world, dialog)
    transcripts = play(dialog, language, scene=scene, session=session, bot=bot, clock=clock)
    assert len(transcripts) == len(dialog.steps)
