"""A small community on a real Synapse for the Matrix tests: a committed SQLite world, a bot account,
people with their own clients, and the gate team's room."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import FrozenClock
from coord.db import make_engine, make_session_factory
from coord.migrate import upgrade
from coord.services.people.people import link_account, link_team_chat
from coord.settings import Settings
from peers.matrix_people import Person
from peers.synapse import Account, Synapse
from tests.bots.matrix.stage import BotThread, bot_settings
from tests.chat.scene import Scene, build_scene
from tests.factories import NOW, SYSTEM, World, build_world

T = TypeVar("T")


@dataclass
class Town:
    synapse: Synapse
    tmp: Path
    engine: Engine
    factory: sessionmaker[Session]
    world: World
    scene: Scene
    bot_account: Account
    clock: FrozenClock = field(default_factory=lambda: FrozenClock(NOW))
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    people: dict[str, Person] = field(default_factory=dict)
    bots: list[BotThread] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.engine.url)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def person(self, name: str) -> Person:
        if name not in self.people:
            self.people[name] = Person(
                self.synapse.register(f"{name}-{secrets.token_hex(3)}"), self.synapse.url
            )
        return self.people[name]

    def settings(self, *, rooms: list[str] | None = None, **more: Any) -> Settings:
        store = self.tmp / "store"
        return bot_settings(self.synapse, self.bot_account, store, rooms=rooms or []).model_copy(update=more)

    def start_bot(self, *, rooms: list[str] | None = None, **more: Any) -> BotThread:
        bot = BotThread(self.settings(rooms=rooms, **more), self.factory, self.clock)
        self.bots.append(bot)
        return bot

    def link(self, person: Person, who: str, *, direct: str | None = None) -> None:
        """Link ``person``'s Matrix account to the world's ``who`` (e.g. "volunteers[0]")."""
        with self.factory() as session, session.begin():
            target = _find(self.world, who)
            link_account(
                session=session,
                actor=SYSTEM,
                person=session.merge(target),
                network="matrix",
                external_id=person.user_id,
                display_name=target.name,
                dm_chat_id=direct,
            )

    def link_team_room(self, room_id: str) -> None:
        with self.factory() as session, session.begin():
            team = session.merge(self.world.gate_team)
            link_team_chat(session=session, actor=SYSTEM, team=team, network="matrix", chat_id=room_id)

    def close(self) -> None:
        for bot in self.bots:
            if bot.thread.is_alive():
                bot.stop()

        async def close_clients() -> None:
            await asyncio.gather(*(p.close() for p in self.people.values()))

        self.run(close_clients())
        self.loop.close()
        self.engine.dispose()


def _find(world: World, who: str) -> Any:
    if who.endswith("]"):
        name, index = who[:-1].split("[")
        return getattr(world, name)[int(index)]
    return getattr(world, who)


def build_town(synapse: Synapse, tmp: Path) -> Town:
    engine = make_engine(f"sqlite:///{tmp / 'coord.sqlite3'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        world = build_world(session)
        # The dialog scene's gate shift, delivery and invite codes (its own chat accounts are elsewhere).
        scene = build_scene(session, world, network="elsewhere", group_chat="elsewhere")
    bot = synapse.register(f"coord-{secrets.token_hex(3)}")
    return Town(synapse, tmp, engine, factory, world, scene, bot)
