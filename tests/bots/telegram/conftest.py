"""Fixtures: the fake Bot API server, and the real bot (python-telegram-bot) running against it.

``BotUnderTest.say`` / ``press`` push an update and return once the bot has finished with it: an
observer handler in a late group sees each update after the bot's own handlers are done.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bots.telegram import build_application, serve
from coord.chat import ChatStore
from coord.clock import Clock, FrozenClock
from coord.settings import Settings, load_settings
from peers.telegram_api import TOKEN, Call, FakeTelegram
from tests.factories import NOW

GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Gate duty"}
NEW_GROUP: dict[str, Any] = {"id": -1001234567891, "type": "supergroup", "title": "Building 3"}  # no team's


def tg_user(user_id: int, name: str, language: str = "en") -> dict[str, Any]:
    code = "zh-hans" if language == "zh" else "en"
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": code}


def private(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


@pytest.fixture
def chat_factory(session: Session) -> sessionmaker[Session]:
    """Sessions whose commits stay inside the test's transaction (as in tests/chat/conftest.py)."""
    return sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


def bot_settings(server: FakeTelegram, **changes: Any) -> Settings:
    return load_settings(
        telegram_token=TOKEN,
        telegram_base_url=server.base_url,
        telegram_base_file_url=server.base_file_url,
        **changes,
    )


@dataclass
class BotUnderTest:
    """The real bot in a thread of its own, with an eye on which updates it has finished."""

    server: FakeTelegram
    application: Application  # type: ignore[type-arg]
    settings: Settings
    card_refresh_seconds: float = 3600.0
    stop: threading.Event = field(default_factory=threading.Event)
    finished: set[int] = field(default_factory=set)
    thread: threading.Thread | None = None
    _seen: threading.Condition = field(default_factory=threading.Condition)

    def start(self, *, ready: str = "getUpdates") -> BotUnderTest:
        """Run the bot; return once it has called ``ready`` (it is then listening)."""

        async def observe(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            with self._seen:
                self.finished.add(update.update_id)
                self._seen.notify_all()

        self.application.add_handler(TypeHandler(Update, observe), group=99)
        self.thread = threading.Thread(
            target=lambda: asyncio.run(
                serve(
                    self.application, self.settings, self.stop, card_refresh_seconds=self.card_refresh_seconds
                )
            ),
            name="bot-under-test",
        )
        self.thread.start()
        self.server.wait_for(lambda: any(c.method == ready for c in self.server.calls), timeout=15)
        return self

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(15)
            assert not self.thread.is_alive(), "the bot did not stop"

    def wait_done(self, update_id: int, timeout: float = 15.0) -> None:
        with self._seen:
            if not self._seen.wait_for(lambda: update_id in self.finished, timeout):
                raise AssertionError(f"the bot did not finish update {update_id}")

    def say(self, user: dict[str, Any], chat: dict[str, Any], text: str | None) -> list[Call]:
        mark = self.server.mark()
        self.wait_done(self.server.say(user, chat, text))
        return self.server.sent(mark)

    def press(self, user: dict[str, Any], chat: dict[str, Any], data: str, message: Any = None) -> list[Call]:
        mark = self.server.mark()
        self.wait_done(self.server.press(user, message or self.server.bot_message(chat), data))
        return self.server.sent(mark)


def start_bot(
    server: FakeTelegram,
    factory: sessionmaker[Session],
    clock: Clock | None = None,
    *,
    card_refresh_seconds: float = 3600.0,
    **changes: Any,
) -> BotUnderTest:
    settings = bot_settings(server, **changes)
    application = build_application(settings, store=ChatStore(factory), clock=clock or FrozenClock(NOW))
    return BotUnderTest(server, application, settings, card_refresh_seconds).start()
