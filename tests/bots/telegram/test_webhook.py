"""Webhook mode: PTB's own webhook server (tornado) checks Telegram's secret header; a wrong one gets 403."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import ChatStore
from coord.clock import FrozenClock
from peers.telegram_api import FakeTelegram
from tests.bots.telegram.conftest import BotUnderTest, private
from tests.bots.telegram.dialogs import USER_IDS, telegram_scene
from tests.chat.dialogs import Dialog
from tests.factories import NOW, World

SECRET = "s3cret-token_for-tests-0123456789ab"


def free_port() -> int:
    """A port the system just handed out (bound to port 0), for a server that needs a number up front."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def webhook_bot(
    telegram: FakeTelegram, chat_factory: sessionmaker[Session], session: Session, world: World
) -> Iterator[tuple[BotUnderTest, int]]:
    telegram_scene(session, world, Dialog("webhook", ()))
    session.flush()
    telegram.opened.update(USER_IDS.values())
    port = free_port()
    bot = start_webhook_bot(telegram, chat_factory, port)
    yield bot, port
    bot.close()


def start_webhook_bot(telegram: FakeTelegram, factory: sessionmaker[Session], port: int) -> BotUnderTest:
    from bots.telegram import build_application
    from tests.bots.telegram.conftest import bot_settings

    settings = bot_settings(
        telegram,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_secret=SECRET,
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
    )
    application = build_application(settings, store=ChatStore(factory), clock=FrozenClock(NOW))
    bot = BotUnderTest(telegram, application, settings).start(ready="setWebhook")
    wait_until_listening(port)  # PTB sets the webhook first, then starts its server
    return bot


def wait_until_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            time.sleep(0.05)


def post(port: int, update: dict[str, object], secret: str | None) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram/hook",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    if secret is not None:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_webhook_checks_the_secret_then_answers(
    webhook_bot: tuple[BotUnderTest, int], session: Session
) -> None:
    bot, port = webhook_bot
    assert bot.server.webhook_url == "https://bot.example.org/telegram/hook"
    set_webhook = next(c for c in bot.server.calls if c.method == "setWebhook")
    assert set_webhook.params["secret_token"] == SECRET
    volunteer = {
        "id": USER_IDS["volunteer"],
        "is_bot": False,
        "first_name": "Volunteer 1",
        "language_code": "en",
    }
    update = {
        "update_id": 501,
        "message": {
            "message_id": 9,
            "date": 1772431200,
            "chat": private(volunteer),
            "from": volunteer,
            "text": "/my",
            "entities": [{"type": "bot_command", "offset": 0, "length": 3}],
        },
    }
    assert post(port, update, "wrong") == 403
    assert post(port, update, None) == 403
    assert not bot.server.sent()  # neither was processed
    assert post(port, update, SECRET) == 200
    bot.wait_done(501)
    replies = bot.server.sent()
    assert len(replies) == 1 and replies[0].chat_id == volunteer["id"]
    assert "You hold no tasks" in replies[0].text
