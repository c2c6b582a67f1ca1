"""Reminders and escalations from the workers reach Matrix: ``coord run``'s embedded workers and scheduler
(a StubBroker with worker threads) deliver through the Matrix gateway to a real Synapse."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from coord.entrypoints.processes import run_embedded
from coord.models import Delivery
from coord.services.work.claims import claim
from peers.matrix_people import Received
from peers.synapse import Synapse, request
from tests.bots.matrix.town import Town, build_town
from tests.factories import NOW


@pytest.fixture
def town(synapse: Synapse, tmp_path: Path) -> Iterator[Town]:
    built = build_town(synapse, tmp_path)
    yield built
    built.close()


def test_reminders_and_the_no_show_escalation_reach_direct_chats(town: Town) -> None:
    # Given a volunteer and the captain on Matrix, each with a direct chat, and the gate team's room
    bot = town.bot_account
    volunteer, captain = town.person("volunteer"), town.person("captain")

    async def rooms() -> tuple[str, str, str]:
        return (
            await volunteer.open_direct_chat(bot.user_id),
            await captain.open_direct_chat(bot.user_id),
            await captain.open_room([bot.user_id, volunteer.user_id], name="Gate duty"),
        )

    direct, captains, team_room = town.run(rooms())
    for room in (direct, captains, team_room):  # the bot accepts (its adapter is not running here)
        request("POST", f"{town.synapse.url}/_matrix/client/v3/join/{room}", {}, token=bot.access_token)
    town.link(volunteer, "volunteers[0]", direct=direct)
    town.link(captain, "gate_captain", direct=captains)
    town.link_team_room(team_room)
    # … and the scene's gate shift (at 16:00, two places), claimed by the volunteer alone
    gate = int(town.scene.values["gate"])
    with town.factory() as session, session.begin():
        volunteer_person = session.merge(town.world.volunteers[0])
        claim(session=session, actor=town.world.actor(volunteer_person), task_id=gate, now=NOW)
    town.run(volunteer.catch_up())
    town.run(captain.catch_up())
    # When the embedded workers and scheduler run with the Matrix gateway (its settings configured)
    settings = town.settings().model_copy(update={"database_url": town.url, "matrix_access_token": None})
    stop = threading.Event()
    runner = threading.Thread(
        target=run_embedded,
        args=(settings, stop),
        kwargs={"clock": town.clock, "interval": 0.1, "with_bots": False},
    )
    # 21 minutes after the start without a check-in: reminders, then the no-show ladder up to the captain
    town.clock.set(NOW + timedelta(hours=2, minutes=21))
    runner.start()
    try:

        def title_in(room: str) -> object:
            return lambda got: any(m.room_id == room and "North gate afternoon" in m.body for m in got)

        to_volunteer: list[Received] = town.run(volunteer.wait_for(title_in(direct)))
        def no_show_in(room: str) -> object:
            return lambda got: any(m.room_id == room and "did not check in" in m.body for m in got)

        to_captain: list[Received] = town.run(captain.wait_for(no_show_in(captains)))
    finally:
        stop.set()
        runner.join(timeout=30)
    # Then the volunteer's reminders and the captain's no-show alert are in their direct chats
    assert not runner.is_alive()
    reminder = [m.body for m in to_volunteer if m.room_id == direct and m.sender == bot.user_id]
    alert = [m.body for m in to_captain if m.room_id == captains and m.sender == bot.user_id]
    assert reminder and alert, (reminder, alert)
    with town.factory() as session:
        chats = set(session.scalars(select(Delivery.chat_id)))
    assert {direct, captains} <= chats
    assert any("did not check in" in text for text in alert)
