"""The one-place-at-a-time dialog (tests/chat/dialogs_shifts.py) through the real bot over HTTP, on a scene
with a second, overlapping shift, in English and Chinese, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import FrozenClock
from peers.telegram_api import FakeTelegram
from tests.bots.telegram.conftest import BotUnderTest, start_bot
from tests.bots.telegram.dialogs import play, telegram_scene
from tests.chat.dialogs_shifts import ONE_PLACE_AT_A_TIME, with_overlapping_shift
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
def test_one_place_at_a_time_through_telegram(
    language: str, session: Session, world: World, bot: BotUnderTest, clock: FrozenClock
) -> None:
    scene = with_overlapping_shift(session, world, telegram_scene(session, world, ONE_PLACE_AT_A_TIME))
    transcripts = play(ONE_PLACE_AT_A_TIME, language, scene=scene, session=session, bot=bot, clock=clock)
    assert len(transcripts) == len(ONE_PLACE_AT_A_TIME.steps)
