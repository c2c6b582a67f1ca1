"""The service at debug level writes neither the bot token, the webhook secret nor a resident's phone or
address to its log (issue 19): the filter every entry point installs (``coord.entrypoints.logs``)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import ChatStore
from coord.clock import FrozenClock
from coord.entrypoints.logs import install_log_filter
from peers.telegram_api import TOKEN, FakeTelegram
from tests.bots.telegram.conftest import BotUnderTest, bot_settings, private, tg_user
from tests.bots.telegram.dialogs import USER_IDS, telegram_scene
from tests.bots.telegram.test_webhook import SECRET, free_port, post, wait_until_listening
from tests.chat.dialogs import Dialog
from tests.factories import NOW, World

PHONE, ADDRESS = "13800000001", "1-2-301"


@pytest.fixture
def debug_logs() -> Iterator[tuple[io.StringIO, io.StringIO, logging.Handler]]:
    """Two handlers on the root logger at DEBUG: the first gets the service's filter, the second none."""
    root = logging.getLogger()
    level = root.level
    filtered, unfiltered = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(filtered), logging.StreamHandler(unfiltered)]
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield filtered, unfiltered, handlers[1]
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def test_the_debug_log_holds_no_token_secret_phone_nor_address(
    telegram: FakeTelegram,
    chat_factory: sessionmaker[Session],
    session: Session,
    world: World,
    debug_logs: tuple[io.StringIO, io.StringIO, logging.Handler],
) -> None:
    # Given the bot in webhook mode, logging at debug level through the service's filter
    filtered, unfiltered, unfiltered_handler = debug_logs
    scene = telegram_scene(session, world, Dialog("logs", ()))
    session.flush()
    telegram.opened.update(USER_IDS.values())
    port = free_port()
    settings = bot_settings(
        telegram,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_secret=SECRET,
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
    )
    chosen = install_log_filter(settings)
    unfiltered_handler.removeFilter(chosen)
    from bots.telegram import build_application

    application = build_application(settings, store=ChatStore(chat_factory), clock=FrozenClock(NOW))
    bot = BotUnderTest(telegram, application, settings).start(ready="setWebhook")
    try:
        wait_until_listening(port)
        # When a supply volunteer claims the delivery, and is sent the household's phone and address
        helper = tg_user(USER_IDS["helper"], "Helper")
        update = {
            "update_id": 601,
            "message": {
                "message_id": 11,
                "date": 1772431200,
                "chat": private(helper),
                "from": helper,
                "text": f"/claim {scene.values['delivery']}",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        assert post(port, update, SECRET) == 200
        bot.wait_done(601)
        sent = " ".join(call.text for call in telegram.sent())
        assert PHONE in sent and ADDRESS in sent  # the details did go out, to the volunteer
    finally:
        bot.close()
    # Then the unfiltered log shows what the libraries would write (this test can fail)...
    raw = unfiltered.getvalue()
    assert TOKEN in raw and SECRET in raw and PHONE in raw
    # ...and the service's log holds none of it
    log = filtered.getvalue()
    assert log.strip()
    for private_text in (TOKEN, SECRET, PHONE, ADDRESS):
        assert private_text not in log, private_text
