"""Long polling that confirms updates to Telegram only once they were answered.

PTB's ``Updater`` confirms a batch of updates (the ``offset`` of its next ``getUpdates``) as soon as it
has queued them, before any handler ran: a bot killed then has lost them, and Telegram never sends them
again. PTB lets an application feed itself instead (its custom-webhook example), so here the batch is
answered first, concurrently but each person's updates in order (through the application's update
processor), and confirmed only by the ``getUpdates`` that follows. A bot killed mid-batch gets the whole
batch again when it starts; every command is safe to repeat (a second ``claim`` says "you already have
it" and sends the details again), so the person gets their answer and nothing changes twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10
T = TypeVar("T")


class Poller:
    """Fetch, answer, then confirm; ``stop`` lets a batch being answered finish and confirms it."""

    def __init__(self, application: Application, *, allowed_updates: Sequence[str]) -> None:
        self.application = application
        self.allowed_updates = list(allowed_updates)
        self.offset = 0
        self._answering = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Make sure no webhook is set (Telegram refuses ``getUpdates`` then), and begin polling."""
        await self._patiently(lambda: self.application.bot.delete_webhook())
        self._task = asyncio.create_task(self._run(), name="telegram:poll-then-confirm")

    async def stop(self) -> None:
        """Stop polling: a batch being answered is finished first, then confirmed to Telegram."""
        if self._task is None:
            return
        if self._answering.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._batch_done()), timeout=30)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        with contextlib.suppress(TelegramError):
            await self.application.bot.get_updates(offset=self.offset, timeout=0)

    async def _batch_done(self) -> None:
        while self._answering.is_set():
            await asyncio.sleep(0.05)

    async def _run(self) -> None:
        bot = self.application.bot
        while True:
            updates = await self._patiently(
                lambda: bot.get_updates(
                    offset=self.offset, timeout=LONG_POLL_SECONDS, allowed_updates=self.allowed_updates
                )
            )
            if not updates:
                continue
            self._answering.set()
            try:
                await asyncio.gather(*(self._answer(update) for update in updates))
                self.offset = updates[-1].update_id + 1  # answered: confirmed by the next getUpdates
            finally:
                self._answering.clear()

    async def _answer(self, update: Update) -> None:
        application = self.application
        try:
            await application.update_processor.process_update(update, application.process_update(update))
        except Exception:  # the handlers' own errors go to the error handler; this is anything else
            log.exception("telegram: update %s could not be answered", update.update_id)

    @staticmethod
    async def _patiently(call: Callable[[], Awaitable[T]]) -> T:
        """Retry a Bot API call through network trouble (backing off up to 30 s); a bad token is fatal."""
        delay = 1.0
        while True:
            try:
                return await call()
            except InvalidToken:
                raise
            except TelegramError as exc:
                log.warning("telegram: polling failed (%s); trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
