"""Direct chats that change, against a real Synapse (issue 19, faults 1 and 2): a direct chat that gained a
member, or that the person left, receives nothing private any more, neither from the workers' gateway nor
from the bot's replies; a new direct chat is opened, with history hidden from later members, and recorded
in ``m.direct`` and in the database."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from nio import AsyncClient, MatrixRoom, RoomMessageText
from sqlalchemy import select

from bots.matrix import make_gateway
from bots.matrix.bot import MatrixBot
from coord.chat import ChatStore, Reply
from coord.models import ChatAccount
from peers.matrix_people import Person, Received
from peers.synapse import Synapse, request
from tests.bots.matrix.test_gateway import gateway_settings, message, room_with_bot
from tests.bots.matrix.town import Town, build_town

DETAILS = "Deliver to 12-2-301, phone 13800000001"


@pytest.fixture
def town(synapse: Synapse, tmp_path: Path) -> Iterator[Town]:
    built = build_town(synapse, tmp_path)
    yield built
    built.close()


def as_bot(town: Town, method: str, path: str) -> object:
    return request(method, town.synapse.url + path, token=town.bot_account.access_token)


def quoted(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def bot_is_in(town: Town, room: str) -> bool:
    try:
        as_bot(town, "GET", f"/_matrix/client/v3/rooms/{quoted(room)}/joined_members")
    except urllib.error.HTTPError:
        return False
    return True


def with_details(got: list[Received]) -> set[str]:
    return {m.room_id for m in got if "13800000001" in m.body}


def a_third_member_joins(town: Town, person: Person, room: str) -> Person:
    neighbour = town.person("neighbour")

    async def story() -> None:
        await person.client.room_invite(room, neighbour.user_id)
        await neighbour.sync()  # accepts the invite
        await person.until_joined(room, {neighbour.user_id, town.bot_account.user_id})
        await neighbour.catch_up()

    town.run(story())
    return neighbour


def test_the_gateway_sends_nothing_private_to_a_direct_chat_that_gained_a_member(town: Town) -> None:
    # Given a person's direct chat with the bot, which a neighbour then joins
    person = town.person("volunteer")
    room = room_with_bot(town, person)
    neighbour = a_third_member_joins(town, person, room)
    town.run(person.catch_up())
    gateway = make_gateway(gateway_settings(town.synapse.url, town.bot_account, town.tmp / "store"))
    # When a worker sends the person the household's details
    gateway.send(message(room, "n1:matrix:" + room, text=DETAILS, private=True))
    # Then the person reads them in a new direct chat, and the neighbour never does
    got = town.run(person.wait_for(lambda got: with_details(got)))
    (new,) = with_details(got)
    assert new != room
    told = town.run(neighbour.wait_for(lambda got: any("new direct chat" in m.body for m in got)))
    assert not with_details(told) and any("新的私聊" in m.body for m in told)
    # the new chat hides earlier events from later members, is in m.direct, and the bot left the old one
    visibility = as_bot(
        town, "GET", f"/_matrix/client/v3/rooms/{quoted(new)}/state/m.room.history_visibility"
    )
    assert visibility == {"history_visibility": "invited"}
    direct = as_bot(
        town, "GET", f"/_matrix/client/v3/user/{quoted(town.bot_account.user_id)}/account_data/m.direct"
    )
    assert isinstance(direct, dict) and direct[person.user_id][-1] == new
    assert not bot_is_in(town, room)
    # and the next private message goes straight to the new chat
    gateway.send(message(room, "n2:matrix:" + room, text=DETAILS + " (again)", private=True))
    again = town.run(person.wait_for(lambda got: any("(again)" in m.body for m in got)))
    assert {m.room_id for m in again if "(again)" in m.body} == {new}


def test_a_direct_chat_the_person_left_is_noticed_and_the_next_private_message_opens_a_new_one(
    town: Town,
) -> None:
    # Given the running bot and a linked person who opened a direct chat with it
    person = town.person("volunteer")
    town.link(person, "volunteers[0]")
    bot = town.bot_account.user_id
    town.start_bot()

    async def open_then_leave() -> str:
        room = await person.open_direct_chat(bot)
        await person.until_joined(room, {bot})
        # When the person leaves it
        await person.client.room_leave(room)
        return room

    room = town.run(open_then_leave())
    # Then the bot notices, and leaves too
    deadline = time.monotonic() + 30
    while bot_is_in(town, room) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not bot_is_in(town, room)
    # and a worker's next private message opens a new direct chat, which the bot records as theirs
    gateway = make_gateway(gateway_settings(town.synapse.url, town.bot_account, town.tmp / "gateway"))
    gateway.send(message(room, "n3:matrix:" + room, text=DETAILS, private=True))
    got = town.run(person.wait_for(lambda got: with_details(got)))
    (new,) = with_details(got)
    assert new != room
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with town.factory() as session:
            account = session.scalars(
                select(ChatAccount).where(ChatAccount.external_id == person.user_id)
            ).one()
        if account.dm_chat_id == new:
            break
        time.sleep(0.1)
    assert account.dm_chat_id == new


def test_the_bots_private_reply_avoids_a_direct_chat_that_gained_a_member(town: Town) -> None:
    # Given a linked volunteer whose direct chat a neighbour joined
    volunteer = town.person("volunteer")
    room = room_with_bot(town, volunteer)
    town.link(volunteer, "volunteers[0]", direct=room)
    neighbour = a_third_member_joins(town, volunteer, room)
    town.run(volunteer.catch_up())
    account = town.bot_account

    async def story() -> list[Received]:
        client = AsyncClient(town.synapse.url, account.user_id)
        client.restore_login(account.user_id, account.device_id, account.access_token)
        adapter = MatrixBot(client, store=ChatStore(town.factory), clock=town.clock, configured_rooms=[])
        said = RoomMessageText.from_dict(
            {
                "type": "m.room.message",
                "event_id": "$said",
                "sender": volunteer.user_id,
                "origin_server_ts": 1,
                "content": {"msgtype": "m.text", "body": "!task 1"},
            }
        )
        # When the bot answers with details meant for the volunteer's direct chat
        reply = Reply(
            "Details for you only, task #{task_id}: {details}",
            {"task_id": 1, "details": DETAILS},
            target="direct",
            direct_chat_id=room,
        )
        await adapter.send_reply(reply, MatrixRoom("!team:localhost", account.user_id), said, private=False)
        await client.close()
        return await volunteer.wait_for(lambda got: with_details(got))

    got = town.run(story())
    # Then they reach the volunteer in a new direct chat, recorded as theirs; the neighbour reads nothing
    (new,) = with_details(got)
    with town.factory() as session:
        dm = session.scalars(
            select(ChatAccount.dm_chat_id).where(ChatAccount.external_id == volunteer.user_id)
        ).one()
    assert new != room and dm == new
    told = town.run(neighbour.wait_for(lambda got: any("new direct chat" in m.body for m in got)))
    assert not with_details(told)


def test_the_running_bot_answers_a_direct_chat_that_gained_a_member_without_details(town: Town) -> None:
    # Given the running bot and a supply volunteer holding the delivery, in their direct chat with it
    volunteer = town.person("volunteer")
    town.link(volunteer, "supply_volunteers[0]")
    bot = town.bot_account.user_id
    town.start_bot()
    delivery = town.scene.values["delivery"]

    async def story() -> tuple[str, str, list[Received]]:
        dm = await volunteer.open_direct_chat(bot)
        await volunteer.until_joined(dm, {bot})
        claimed = await volunteer.until_read(await volunteer.say(dm, f"claim {delivery}"), bot)
        assert with_details(claimed) == {dm}  # while it is theirs alone, the details come here
        # When a neighbour joins it, and the volunteer asks for the task again there
        neighbour = town.person("neighbour")
        await volunteer.client.room_invite(dm, neighbour.user_id)
        await neighbour.sync()
        await volunteer.until_joined(dm, {neighbour.user_id, bot})
        await volunteer.catch_up()
        answered = await volunteer.until_read(await volunteer.say(dm, f"!task {delivery}"), bot)
        if not [m for m in answered if m.room_id != dm]:
            answered += await volunteer.wait_for(lambda got: with_details(got))
        return dm, neighbour.user_id, answered

    dm, _, answered = town.run(story())
    # Then the details reach the volunteer in a new direct chat, none in the room the neighbour is in
    assert with_details(answered) and dm not in with_details(answered)
    assert not [m for m in answered if m.room_id == dm and "13800000001" in m.body]
