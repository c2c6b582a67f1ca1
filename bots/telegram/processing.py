"""Updates are answered concurrently, but each person's updates in one chat stay in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def conversation_key(update: object) -> tuple[int, int] | None:
    """(chat, person) of an update; None for updates that belong to no conversation."""
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_user is None:
        return None
    return update.effective_chat.id, update.effective_user.id


class InOrderPerPerson(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` at once; one at a time for the same person in the same chat.

    A guided conversation (figures for "done", a new task) needs its answers in the order typed, while
    two people pressing the same Claim button must race for real: the database decides who wins.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}
        self._waiting: dict[tuple[int, int], int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = conversation_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued: forget the lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
