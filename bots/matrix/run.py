"""``run_bot``: the Matrix sync loop, in its own asyncio loop, until ``stop`` is set.

The first sync (``full_state``) starts from the stored sync token; without one (a first start) its
messages are history and are not answered, only its invites. After each sync the token is stored, once
its messages are answered: a restart neither replays what was answered nor loses what came while the
bot was away. Stopping cancels the pending long poll, never the answering of a sync.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from nio import AsyncClient, SyncResponse

from bots.matrix.bot import NETWORK, MatrixBot
from bots.matrix.connection import connect
from bots.matrix.memory import BotMemory
from coord.chat import ChatNoteKind, ChatStore
from coord.clock import Clock, SystemClock
from coord.services.outbox.delivery import RateLimiter
from coord.settings import Settings

log = logging.getLogger(__name__)

POLL_MS = 30_000
#: Rooms' timelines are fetched up to this many events per sync, so a busy room is not cut short.
SYNC_FILTER = {"room": {"timeline": {"limit": 200}}, "presence": {"types": []}}


def run_bot(
    settings: Settings,
    stop: threading.Event,
    *,
    store: ChatStore,
    clock: Clock | None = None,
    limiter: RateLimiter | None = None,
) -> None:
    """Answer Matrix until ``stop`` is set (blocking). ``limiter`` is unused: the homeserver paces each
    account itself, and matrix-nio waits out its 429s."""
    asyncio.run(_run(settings, stop, store, clock or SystemClock()))


async def _run(settings: Settings, stop: threading.Event, store: ChatStore, clock: Clock) -> None:
    memory = BotMemory(settings.matrix_store_path)
    await asyncio.to_thread(hand_over_old_rooms, memory, store)
    client = await connect(settings, memory)
    try:
        bot = MatrixBot(
            client,
            store=store,
            clock=clock,
            configured_rooms=settings.matrix_room_ids,
            language=settings.language,
        )
        stored = memory.sync_token
        first = await client.sync(timeout=0, full_state=True, since=stored, sync_filter=SYNC_FILTER)
        if not isinstance(first, SyncResponse):
            raise RuntimeError(f"the first Matrix sync failed: {first}")
        await bot.answer_sync(first, with_messages=stored is not None)
        memory.save_sync_token(first.next_batch)
        await bot.join_configured_rooms()
        log.info("Matrix bot %s is answering", client.user_id)
        await _sync_until(stop, client, bot, memory)
    finally:
        await client.close()
        log.info("Matrix bot stopped")


def hand_over_old_rooms(memory: BotMemory, store: ChatStore) -> None:
    """Move what an older version kept in ``rooms.json`` into the database, once."""
    old = memory.old_rooms()
    if old is None:
        return
    notes = [(room_id, ChatNoteKind.DIRECT, "") for room_id in old.direct]
    notes += [(room_id, ChatNoteKind.STRANGER_TOLD, user_id) for room_id, user_id in old.told]
    notes += [(room_id, ChatNoteKind.ENCRYPTED_TOLD, "") for room_id in old.encrypted_warned]
    store.note_all(NETWORK, notes)
    memory.old_rooms_handed_over()
    log.info("moved %d notes on rooms from rooms.json into the database", len(notes))


async def _sync_until(stop: threading.Event, client: AsyncClient, bot: MatrixBot, memory: BotMemory) -> None:
    stopped = asyncio.ensure_future(_wait(stop))
    try:
        failures = 0
        while not stop.is_set():
            poll = asyncio.ensure_future(
                client.sync(timeout=POLL_MS, since=client.next_batch, sync_filter=SYNC_FILTER)
            )
            await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not poll.done():
                poll.cancel()
                await asyncio.gather(poll, return_exceptions=True)
                break
            answer = _result(poll)
            if not isinstance(answer, SyncResponse):
                failures += 1
                log.warning("Matrix sync failed (%d in a row): %s", failures, answer)
                await asyncio.wait({stopped}, timeout=min(30.0, 0.5 * 2**failures))
                continue
            failures = 0
            await bot.answer_sync(answer)
            memory.save_sync_token(answer.next_batch)
    finally:
        stopped.cancel()


def _result(poll: asyncio.Future[object]) -> object:
    exception = poll.exception()
    return exception if exception is not None else poll.result()


async def _wait(stop: threading.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(0.05)
