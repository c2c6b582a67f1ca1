"""The Telegram bot: the ``Application`` built in one place, run by polling or webhook until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, CallbackQueryHandler, ChatMemberHandler, MessageHandler, filters

from bots.telegram.gateway import hide_token_from_logs
from bots.telegram.handlers import Deps, on_button, on_error, on_message, refresh_cards
from bots.telegram.limiter import SharedRateLimiter
from bots.telegram.membership import on_migrate, on_my_chat_member
from bots.telegram.menu import set_menus
from bots.telegram.polling import Poller
from bots.telegram.processing import InOrderPerPerson
from bots.telegram.webhook import Webhook
from coord.chat import ChatStore
from coord.clock import Clock, SystemClock
from coord.services.outbox.delivery import RateLimiter
from coord.settings import Settings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
CONCURRENT_UPDATES = 32
CARD_REFRESH_SECONDS = 30.0  # how soon a change made outside the bot (a worker, the CLI) shows on cards


def remember_missing_sniffio() -> None:
    """httpcore runs ``import sniffio`` on every request; when sniffio is not installed, each failing import
    searches the whole ``sys.path`` again (measured: a fifth of the event loop's CPU under load). Marking it
    missing once keeps the same ImportError, found at once."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


async def post_init(application: Application) -> None:
    """Once connected: the command menus in English and Chinese."""
    await set_menus(application.bot)


def build_application(
    settings: Settings, *, store: ChatStore, clock: Clock | None = None, limiter: RateLimiter | None = None
) -> Application:
    """The bot, wired: every message and every button press goes to the conversation layer; with
    ``limiter`` (the workers'), every message it sends takes a slot of the limits they share."""
    if settings.telegram_token is None:
        raise ValueError("the Telegram bot needs COORD_TELEGRAM_TOKEN")
    token = settings.telegram_token.get_secret_value()
    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .concurrent_updates(InOrderPerPerson(CONCURRENT_UPDATES))
        .post_init(post_init)
    )
    if limiter is not None:
        builder = builder.rate_limiter(SharedRateLimiter(limiter, bot_id=token.split(":", 1)[0]))
    application = builder.build()
    application.bot_data["coord"] = Deps(store, clock or SystemClock())
    not_status = filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(not_status, on_message))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    application.add_error_handler(on_error)
    return application


async def serve(
    application: Application,
    settings: Settings,
    stop: threading.Event,
    *,
    card_refresh_seconds: float = CARD_REFRESH_SECONDS,
) -> None:
    """Answer updates (long polling, or the webhook when ``telegram_webhook_url`` is set) until ``stop``."""
    if not await _connect(application, stop):
        return
    refresher: asyncio.Task[None] | None = None
    receiver: Poller | Webhook | None = None
    try:
        await application.post_init(application)  # type: ignore[misc]  # run_* would; we start by hand
        await application.start()
        receiver = await _receive(application, settings)
        log.info("telegram: @%s answering (%s)", application.bot.username, _mode(settings))
        refresher = asyncio.create_task(_refresh_cards_every(application, card_refresh_seconds))
        while not stop.is_set():
            await asyncio.sleep(0.1)
    finally:
        if refresher is not None:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
        if receiver is not None:
            await receiver.stop()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        log.info("telegram: stopped")


async def _connect(application: Application, stop: threading.Event) -> bool:
    """``getMe`` until it answers: Telegram being unreachable at start is waited out, a bad token is not."""
    delay = 1.0
    while not stop.is_set():
        try:
            await application.initialize()
            return True
        except InvalidToken:
            raise
        except NetworkError as exc:
            log.warning("telegram: cannot reach the Bot API (%s); trying again in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
    return False


async def _receive(application: Application, settings: Settings) -> Poller | Webhook:
    """Start receiving updates, by webhook when ``telegram_webhook_url`` is set, else by long polling.
    Either way Telegram learns that an update was received only once it was answered (see
    ``bots.telegram.polling`` and ``bots.telegram.webhook``)."""
    receiver: Poller | Webhook
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret
        receiver = Webhook(
            application,
            url=settings.telegram_webhook_url,
            path=urlsplit(settings.telegram_webhook_url).path,
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            secret=secret.get_secret_value() if secret else None,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        receiver = Poller(application, allowed_updates=ALLOWED_UPDATES)
    await receiver.start()
    return receiver


def _mode(settings: Settings) -> str:
    if settings.telegram_webhook_url:
        return f"webhook on {settings.telegram_webhook_listen}:{settings.telegram_webhook_port}"
    return "long polling"


async def _refresh_cards_every(application: Application, seconds: float) -> None:
    deps: Deps = application.bot_data["coord"]
    while True:
        await asyncio.sleep(seconds)
        try:
            await refresh_cards(application.bot, deps)
        except Exception:  # a failed round is logged; the next one tries again
            log.exception("telegram: refreshing task cards failed")


def run_bot(
    settings: Settings,
    stop: threading.Event,
    *,
    store: ChatStore,
    clock: Clock | None = None,
    limiter: RateLimiter | None = None,
) -> None:
    """Run the bot in its own event loop until ``stop`` is set (blocking; fine in a thread)."""
    hide_token_from_logs()
    remember_missing_sniffio()
    application = build_application(settings, store=store, clock=clock, limiter=limiter)
    asyncio.run(serve(application, settings, stop))
