"""The Telegram bot in a process of its own, so a crash test can kill it with SIGKILL at any moment.

    python -m tests.crash.bot_process DB_URL BASE_URL BASE_FILE_URL NOW [WEBHOOK_PORT]

It answers by long polling the fake Bot API server at BASE_URL (or, given WEBHOOK_PORT, as a webhook
listening there), on the database at DB_URL, with the clock frozen at NOW (ISO 8601). SIGTERM stops it.
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import datetime

from bots.telegram import run_bot
from coord.chat import ChatStore
from coord.clock import FrozenClock
from coord.db import make_engine, make_session_factory
from coord.settings import load_settings
from peers.telegram_api import TOKEN

WEBHOOK_URL = "https://bot.example.org/telegram/hook"
SECRET = "s3cret-token_for-crash-tests-0123456789"


def main() -> None:
    database, base_url, base_file_url, now, *rest = sys.argv[1:]
    webhook = {}
    if rest:
        webhook = {
            "telegram_webhook_url": WEBHOOK_URL,
            "telegram_webhook_secret": SECRET,
            "telegram_webhook_listen": "127.0.0.1",
            "telegram_webhook_port": int(rest[0]),
        }
    settings = load_settings(
        telegram_token=TOKEN, telegram_base_url=base_url, telegram_base_file_url=base_file_url, **webhook
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    store = ChatStore(make_session_factory(make_engine(database)))
    run_bot(settings, stop, store=store, clock=FrozenClock(datetime.fromisoformat(now)))


if __name__ == "__main__":
    main()
