"""Simulated people on Matrix for the tests and benchmarks: a matrix-nio client each, driven step by step.

``say`` sends a message and ``until_read`` collects what the bot sent until the bot's read receipt for
that message arrives (the bot marks every message read once its replies are sent), so each step knows
exactly which replies it caused, silent steps included, without waiting on a timer.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ReceiptEvent,
    RoomCreateResponse,
    RoomMessageMedia,
    RoomMessageNotice,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)

from peers.synapse import Account

SYNC_FILTER = {"room": {"timeline": {"limit": 200}}, "presence": {"types": []}}


@dataclass(frozen=True)
class Received:
    room_id: str
    sender: str
    body: str
    content: dict[str, Any]
    event_id: str


@dataclass
class Person:
    """One simulated person with their own client; invites are accepted as they come."""

    account: Account
    homeserver: str
    client: AsyncClient = field(init=False)
    joined: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.client = AsyncClient(
            self.homeserver, self.account.user_id, config=AsyncClientConfig(encryption_enabled=False)
        )
        self.client.restore_login(self.account.user_id, self.account.device_id, self.account.access_token)

    @property
    def user_id(self) -> str:
        return self.account.user_id

    async def close(self) -> None:
        await self.client.close()

    async def sync(self, timeout_ms: int = 0) -> tuple[list[Received], list[tuple[str, str, str]]]:
        """One sync: the messages received, and the read receipts (room, event, user) seen."""
        answer = await self.client.sync(
            timeout=timeout_ms, since=self.client.next_batch, sync_filter=SYNC_FILTER
        )
        assert isinstance(answer, SyncResponse), answer
        for room_id in answer.rooms.invite:
            if room_id not in self.joined:
                await self.client.join(room_id)
                self.joined.add(room_id)
        messages, receipts = [], []
        for room_id, info in answer.rooms.join.items():
            self.joined.add(room_id)
            for event in info.timeline.events:
                if isinstance(event, RoomMessageNotice | RoomMessageMedia) or hasattr(event, "body"):
                    body = str(getattr(event, "body", ""))
                    content = event.source.get("content", {})
                    messages.append(Received(room_id, event.sender, body, content, event.event_id))
            for ephemeral in info.ephemeral:
                if isinstance(ephemeral, ReceiptEvent):
                    receipts += [(room_id, r.event_id, r.user_id) for r in ephemeral.receipts]
        return messages, receipts

    async def catch_up(self) -> None:
        """Forget what arrived before now (and accept pending invites)."""
        await self.sync()
        await self.sync()

    async def send(self, room_id: str, content: dict[str, Any]) -> str:
        answer = await self.client.room_send(room_id, "m.room.message", content)
        assert isinstance(answer, RoomSendResponse), answer
        return str(answer.event_id)

    async def say(self, room_id: str, text: str) -> str:
        return await self.send(room_id, {"msgtype": "m.text", "body": text})

    async def until_read(
        self, event_id: str, reader: str, *, from_user: str | None = None, timeout: float = 30.0
    ) -> list[Received]:
        """The messages from ``from_user`` (default ``reader``) until ``reader`` has read ``event_id``."""
        sender = from_user or reader
        got: list[Received] = []
        deadline = time.monotonic() + timeout
        rooms_before = set(self.joined)
        while time.monotonic() < deadline:
            messages, receipts = await self.sync(timeout_ms=1000)
            got += [m for m in messages if m.sender == sender]
            if any(event == event_id and user == reader for _, event, user in receipts):
                if self.joined - rooms_before:  # a room joined on the way: fetch what it holds
                    messages, _ = await self.sync()
                    got += [m for m in messages if m.sender == sender]
                return got
        raise AssertionError(f"{reader} did not read {event_id} within {timeout:.0f} s; got {got}")

    async def wait_for(self, predicate: Any, *, timeout: float = 30.0) -> list[Received]:
        """Sync until ``predicate(all messages so far)`` is true; returns them."""
        got: list[Received] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages, _ = await self.sync(timeout_ms=500)
            got += messages
            if predicate(got):
                return got
        raise AssertionError(f"not received within {timeout:.0f} s; got {got}")

    async def open_direct_chat(self, other: str) -> str:
        answer = await self.client.room_create(
            is_direct=True, invite=[other], preset=RoomPreset.trusted_private_chat
        )
        assert isinstance(answer, RoomCreateResponse), answer
        self.joined.add(answer.room_id)
        return str(answer.room_id)

    async def open_room(self, invite: list[str], name: str = "team") -> str:
        answer = await self.client.room_create(name=name, invite=invite, preset=RoomPreset.private_chat)
        assert isinstance(answer, RoomCreateResponse), answer
        self.joined.add(answer.room_id)
        return str(answer.room_id)

    async def members(self, room_id: str) -> set[str]:
        answer = await self.client.joined_members(room_id)
        return {member.user_id for member in getattr(answer, "members", [])}

    async def until_joined(self, room_id: str, users: set[str], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if users <= await self.members(room_id):
                return
            await self.sync(timeout_ms=200)
        raise AssertionError(f"{users - await self.members(room_id)} did not join {room_id}")


async def everyone_syncs(people: list[Person]) -> None:
    await asyncio.gather(*(p.sync() for p in people))
