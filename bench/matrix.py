"""Benchmark: a command's round trip through the Matrix bot on a local Synapse, against the homeserver's
own round trips measured in the same run.

A real Synapse (its own environment: ``COORD_TEST_SYNAPSE`` or ``.synapse-venv/bin/python``; started by
``peers.synapse``) and the bot (``bots.matrix.run_bot`` on a SQLite database holding a small community: two
teams of four, a coordinator, a shift and a delivery to read) run here. Interleaved, N times:

- one hop: person A sends a message, person B's long-polling sync sees it;
- echo: A sends, a bare matrix-nio client answers as soon as its sync sees it, A's sync sees the answer
  (two hops through the homeserver: what any bot costs before it does any work);
- command: A sends a command (``help``, ``tasks``, ``task N``, ``my`` in turn) in a direct chat with the
  bot, A's sync sees the reply: the bot's sync, the conversation layer and the database, and two hops.

Run: ``python -m bench.matrix [--rounds 200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nio import AsyncClient, RoomMessageNotice, RoomMessageText, SyncResponse
from sqlalchemy.orm import Session, sessionmaker

from bench.common import SETUP, add_deliveries, build_population, open_database, percentile, print_table
from bots.matrix import run_bot
from coord.chat import ChatStore
from coord.clock import FrozenClock
from coord.db import transaction
from coord.models import Community, Person, Team
from coord.services.people.people import link_account, set_language
from coord.services.work.tasks import create_task
from coord.settings import Settings
from peers.matrix_people import Person as MatrixPerson
from peers.synapse import Synapse

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # the bot's frozen clock (14:00 in Asia/Shanghai)
POLL = {"room": {"timeline": {"limit": 50}}, "presence": {"types": []}}


def synapse_python() -> str:
    found = Path(os.environ.get("COORD_TEST_SYNAPSE") or ROOT / ".synapse-venv" / "bin" / "python")
    return str(found if found.is_absolute() else ROOT / found)


async def first_message(client: AsyncClient, room: str, sender: str) -> float:
    """Long-poll until a message from ``sender`` arrives in ``room``; the moment it was seen."""
    while True:
        answer = await client.sync(timeout=30_000, since=client.next_batch, sync_filter=POLL)
        assert isinstance(answer, SyncResponse), answer
        info = answer.rooms.join.get(room)
        if info and any(
            isinstance(e, RoomMessageText | RoomMessageNotice) and e.sender == sender
            for e in info.timeline.events
        ):
            return time.perf_counter()


async def echo_forever(client: AsyncClient, room: str, partner: str) -> None:
    """A bot that does nothing: answers every message of ``partner`` in ``room`` at once."""
    while True:
        await first_message(client, room, partner)
        await client.room_send(room, "m.room.message", {"msgtype": "m.notice", "body": "echo"})


async def measure(
    rounds: int, synapse: Synapse, bot_id: str, a: MatrixPerson, b: MatrixPerson, gate: int
) -> dict[str, list[float]]:
    pair = await a.open_room([b.user_id], name="pair")
    dm = await a.open_direct_chat(bot_id)
    await b.sync()
    await a.until_joined(pair, {b.user_id})
    await a.until_joined(dm, {bot_id})
    echo = asyncio.ensure_future(echo_forever(b.client, pair, a.user_id))
    commands = ["help", "tasks", f"task {gate}", "my"]
    times: dict[str, list[float]] = {"one hop": [], "echo (two hops, no work)": [], "command → reply": []}
    await a.catch_up()
    try:
        for number in range(rounds):
            # echo round trip: A → B (echo) → A
            started = time.perf_counter()
            await a.client.room_send(pair, "m.room.message", {"msgtype": "m.text", "body": f"ping {number}"})
            seen = await first_message(a.client, pair, b.user_id)
            times["echo (two hops, no work)"].append((seen - started) * 1000)
            # command round trip: A → bot → A
            started = time.perf_counter()
            text = commands[number % len(commands)]
            await a.client.room_send(dm, "m.room.message", {"msgtype": "m.text", "body": text})
            seen = await first_message(a.client, dm, bot_id)
            times["command → reply"].append((seen - started) * 1000)
            await asyncio.sleep(0.05)  # let trailing replies and receipts settle
            await a.catch_up()
    finally:
        echo.cancel()
    # one hop: B (no echo now) sees A's message
    for number in range(rounds):
        started = time.perf_counter()
        waiting = asyncio.ensure_future(first_message(b.client, pair, a.user_id))
        await a.client.room_send(pair, "m.room.message", {"msgtype": "m.text", "body": f"hop {number}"})
        times["one hop"].append((await waiting - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coord_bench_matrix_") as folder:
        tmp = Path(folder)
        (tmp / "synapse").mkdir()
        synapse = Synapse(synapse_python(), tmp / "synapse")
        try:
            times = run(args.rounds, synapse, tmp)
        finally:
            synapse.stop()
    show(times, args.rounds)


def run(rounds: int, synapse: Synapse, tmp: Path) -> dict[str, list[float]]:
    engine, factory = open_database(f"sqlite:///{tmp / 'bench.sqlite3'}")
    bot = synapse.register("coordbench")
    a = MatrixPerson(synapse.register("alice"), synapse.url)
    b = MatrixPerson(synapse.register("bob"), synapse.url)
    gate = build_community(factory, a.user_id)
    settings = Settings(
        matrix_homeserver=synapse.url,
        matrix_user_id=bot.user_id,
        matrix_password=bot.password,  # type: ignore[arg-type]
        matrix_store_path=str(tmp / "store"),
    )
    stop = threading.Event()
    thread = threading.Thread(
        target=run_bot, args=(settings, stop), kwargs={"store": ChatStore(factory), "clock": FrozenClock(NOW)}
    )
    thread.start()
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(measure(rounds, synapse, bot.user_id, a, b, gate))
    finally:
        stop.set()
        thread.join(timeout=30)
        loop.run_until_complete(a.close())
        loop.run_until_complete(b.close())
        loop.close()
        engine.dispose()


def build_community(factory: sessionmaker[Session], matrix_user: str) -> int:
    """Two teams (a captain and three volunteers each) and a coordinator; a volunteer of the first team is
    ``matrix_user`` on Matrix and reads English. That team has an afternoon shift (capacity 2) and the other
    a delivery, both open. Returns the shift's id."""
    population = build_population(factory, volunteers=6, teams=2, now=NOW)
    with transaction(factory) as session:
        community = session.get_one(Community, population.community_id)
        gate_team, supply_team = (session.get_one(Team, team) for team in population.team_ids)
        volunteer = session.get_one(Person, population.volunteers[0])
        assert population.team_of[volunteer.id] == gate_team.id
        link_account(
            session=session,
            actor=SETUP,
            person=volunteer,
            network="matrix",
            external_id=matrix_user,
            display_name=volunteer.name,
        )
        set_language(session=session, actor=SETUP, person=volunteer, language="en", now=NOW)
        gate = create_task(
            session=session,
            actor=SETUP,
            community=community,
            kind="gate_shift",
            title="North gate afternoon",
            team=gate_team,
            starts_at=NOW + timedelta(hours=2),
            ends_at=NOW + timedelta(hours=6),
            capacity=2,
            now=NOW,
        )
        add_deliveries(session, community, supply_team, 1, now=NOW)
        return gate.id


def show(times: dict[str, list[float]], rounds: int) -> None:
    echo = statistics.median(times["echo (two hops, no work)"])
    rows = []
    for name in ("one hop", "echo (two hops, no work)", "command → reply"):
        values = times[name]
        p50 = statistics.median(values)
        rows.append(
            (
                name,
                f"{p50:.1f}",
                f"{percentile(values, 0.9):.1f}",
                f"{percentile(values, 0.99):.1f}",
                f"{statistics.fmean(values):.1f}",
                f"{p50 / echo:.2f}",
            )
        )
    print_table(
        f"Matrix round trips on a local Synapse, {rounds} rounds each (ms)",
        ("path", "p50", "p90", "p99", "mean", "÷ echo p50"),
        rows,
    )


if __name__ == "__main__":
    main()
