"""The bot's replies and the workers' sends share one set of Telegram limits (one token, one budget).

``SharedRateLimiter`` is python-telegram-bot's rate limiter hook fed by coord's own limiter, the one the
delivery actor uses (``workers.ratelimit``: in Redis across processes, or in this process for ``coord run``),
with the same keys (``telegram_limits``: 30 a second per bot, 1 a second per chat, 20 a minute per group).
Each message the bot sends waits for its slot as a notification would; a 429 pushes every limit it named
past ``retry_after`` for workers and bot alike, and is raised on for ``patiently`` to wait out and retry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bots.telegram.patience import retry_seconds
from coord.metrics import RATE_LIMITED
from coord.services.outbox.delivery import RateLimiter
from coord.services.outbox.gateways import Limit, Outbound, telegram_limits

log = logging.getLogger(__name__)

#: The Bot API methods that post or change a message in a chat: they count against the limits.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "sendPhoto",
        "sendDocument",
        "copyMessage",
        "forwardMessage",
    }
)
MAX_WAIT = 30.0  # a slot further ahead is waited for in steps, so the limiter is asked again


class SharedRateLimiter(BaseRateLimiter[None]):
    """python-telegram-bot's requests paced by coord's shared limiter (see the module docstring)."""

    def __init__(self, limiter: RateLimiter, bot_id: str) -> None:
        self.limiter = limiter
        self.bot_id = bot_id

    async def initialize(self) -> None:
        """Nothing to start: the limiter is the entry point's."""

    async def shutdown(self) -> None:
        """Nothing to stop."""

    def limits(self, endpoint: str, data: dict[str, Any]) -> list[Limit]:
        chat_id = data.get("chat_id")
        if endpoint not in MESSAGE_METHODS or chat_id is None:
            return []
        chat = str(chat_id)
        message = Outbound(network="telegram", chat_id=chat, is_group=chat.startswith("-"), text="")
        return telegram_limits(self.bot_id, message)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        limits = self.limits(endpoint, data)
        if limits:
            await self._slot(limits)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            RATE_LIMITED.labels("telegram").inc()
            seconds = retry_seconds(exc)
            log.warning("telegram: %s answered 429; holding every send back %.0f s", endpoint, seconds)
            await asyncio.to_thread(self.limiter.penalise, limits or self._bot_limit(), seconds)
            raise

    async def _slot(self, limits: list[Limit]) -> None:
        """Wait until the shared limiter lets this message go (the delivery actor's two steps)."""
        while True:
            granted, wait = await asyncio.to_thread(self.limiter.reserve, limits, max_wait=MAX_WAIT)
            await asyncio.sleep(wait if granted else min(wait, MAX_WAIT))
            if granted:
                break
        while (wait := await asyncio.to_thread(self.limiter.admit, limits)) > 0:
            await asyncio.sleep(wait)

    def _bot_limit(self) -> list[Limit]:
        return telegram_limits(
            self.bot_id, Outbound(network="telegram", chat_id="0", is_group=False, text="")
        )[:1]
