"""A team's room on Matrix, against a real Synapse: a captain invites the bot to a room and links it with
``!link``; the bot kicked or banned from the room unlinks it, and who did it is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from coord.models import Event, TeamChat
from peers.matrix_people import Received
from peers.synapse import Synapse
from tests.bots.matrix.town import Town, build_town
from tests.workers.helpers import until


@pytest.fixture
def town(synapse: Synapse, tmp_path: Path) -> Iterator[Town]:
    built = build_town(synapse, tmp_path)
    yield built
    built.close()


def bodies(messages: list[Received]) -> str:
    return "\n".join(m.body for m in messages)


def linked_rooms(town: Town) -> dict[str, int]:
    with town.factory() as session:
        return {
            c.chat_id: c.team_id
            for c in session.scalars(select(TeamChat).where(TeamChat.network == "matrix"))
        }


def test_a_captain_links_a_room_and_the_bot_kicked_or_banned_unlinks_it(town: Town) -> None:
    # Given a linked captain with a direct chat, and the bot running
    captain, volunteer = town.person("captain"), town.person("volunteer")
    town.link(volunteer, "volunteers[0]")
    town.start_bot()
    bot = town.bot_account.user_id
    dm = town.run(captain.open_direct_chat(bot))
    town.run(captain.until_joined(dm, {bot}))
    town.link(captain, "gate_captain", direct=dm)

    async def link_two_rooms() -> tuple[str, str, list[str]]:
        said = []
        rooms = []
        for name in ("Gate duty, north", "Gate duty, south"):
            # When the captain invites the bot to a room (it joins: the captain is linked) and links it
            room = await captain.open_room([bot, volunteer.user_id], name=name)
            await volunteer.sync()
            await captain.until_joined(room, {bot, volunteer.user_id})
            await captain.catch_up()
            refused = await volunteer.until_read(await volunteer.say(room, "!link"), bot)
            said.append(bodies(refused))
            answer = await captain.until_read(await captain.say(room, "!link"), bot)
            said.append(bodies([m for m in answer if m.room_id == room]))
            rooms.append(room)
        return rooms[0], rooms[1], said

    north, south, said = town.run(link_two_rooms())
    # Then a volunteer was refused, and both rooms are the gate team's
    assert "Only the team's captain or a coordinator" in said[0]
    assert "now the chat of team Gate duty" in said[1] and "now the chat of team Gate duty" in said[3]
    gate_team = town.world.gate_team.id
    assert linked_rooms(town) == {north: gate_team, south: gate_team}
    # When the captain kicks the bot from one room and bans it from the other
    town.run(captain.client.room_kick(north, bot, reason="moving to another room"))
    until(lambda: north not in linked_rooms(town), what="the kicked room unlinked")
    town.run(captain.client.room_ban(south, bot))
    until(lambda: south not in linked_rooms(town), what="the banned room unlinked")
    # Then neither room is the team's chat any more, and the captain is recorded as having done it
    assert linked_rooms(town) == {}
    with town.factory() as session:
        unlinked = session.scalars(
            select(Event).where(Event.action == "team_chat_unlinked").order_by(Event.id)
        ).all()
        assert [e.data["chat_id"] for e in unlinked] == [north, south]
        assert {e.data["reason"] for e in unlinked} == {"bot_removed"}
        assert {e.actor_id for e in unlinked} == {town.world.gate_captain.id}
        assert {e.channel for e in unlinked} == {"matrix"}


def test_a_room_started_by_a_stranger_is_told_once_how_to_join_and_gets_no_cards(town: Town) -> None:
    # Given the bot running, the gate team with a linked room of its own, and a stranger (not linked)
    captain, stranger = town.person("captain"), town.person("stranger")
    town.link(captain, "gate_captain")
    town.start_bot()
    bot = town.bot_account.user_id

    async def story() -> tuple[str, list[Received], list[Received], str]:
        # When the stranger starts a room and invites the bot
        room = await stranger.open_room([bot], name="Neighbours of building 9")
        await stranger.until_joined(room, {bot})
        greeted = await stranger.wait_for(lambda got: any(m.sender == bot for m in got))
        # and then speaks to it, and invites it again after kicking it
        later = await stranger.until_read(await stranger.say(room, "!tasks"), bot)
        await stranger.client.room_kick(room, bot)
        await stranger.client.room_invite(room, bot)
        membership = "invite"
        for _ in range(100):
            state = await stranger.client.room_get_state_event(room, "m.room.member", bot)
            membership = getattr(state, "content", {}).get("membership", "")
            if membership != "invite":
                break
            later += [m for m in (await stranger.sync(timeout_ms=100))[0] if m.sender == bot]
        return room, [m for m in greeted if m.sender == bot], later, membership

    room, greeted, later, membership = town.run(story())
    # Then the bot joined, said once how to get an invite, and nothing after; the second invite is declined
    assert len(greeted) == 1 and greeted[0].room_id == room
    assert "not registered" in greeted[0].body and "invite code" in greeted[0].body
    assert later == [] and membership == "leave"
    # and the room is no team's chat: a team's cards and alerts never go there
    assert room not in linked_rooms(town)
    with town.factory() as session:
        told = session.scalars(select(Event).where(Event.action == "team_chat_linked")).all()
        assert all(e.data.get("chat_id") != room for e in told)
