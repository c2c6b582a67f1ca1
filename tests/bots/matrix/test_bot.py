"""The Matrix bot against a real Synapse: joining with an invite code, whom it joins, strangers told once,
restarts that neither replay nor lose commands, and encrypted rooms (not supported, said once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nio import RoomCreateResponse
from sqlalchemy import func, select

from bots.matrix.memory import BotMemory
from coord.chat import ChatStore
from coord.models import Assignment, ChatAccount
from peers.matrix_people import Person, Received
from peers.synapse import Synapse
from tests.bots.matrix.town import Town, build_town

ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


@pytest.fixture
def town(synapse: Synapse, tmp_path: Path) -> Iterator[Town]:
    built = build_town(synapse, tmp_path)
    yield built
    built.close()


def bodies(messages: list[Received]) -> str:
    return "\n".join(m.body for m in messages)


async def ask(person: Person, room: str, text: str, bot: str) -> list[Received]:
    """Say ``text`` in ``room`` and return what the bot sent until it read it."""
    await person.catch_up()
    return await person.until_read(await person.say(room, text), bot)


def test_a_newcomer_joins_with_an_invite_code_in_a_direct_chat_and_claims(town: Town) -> None:
    # Given a bot, an invite code and an open gate shift
    scene = town.scene
    town.start_bot()
    bot = town.bot_account.user_id
    newcomer = town.person("newcomer")

    async def story() -> tuple[str, list[str]]:
        # When a newcomer opens a direct chat, says hello, sends the code and claims
        dm = await newcomer.open_direct_chat(bot)
        await newcomer.until_joined(dm, {bot})
        said = [
            bodies(await ask(newcomer, dm, "hello", bot)),
            bodies(await ask(newcomer, dm, f"/start {scene.values['code']}", bot)),
            bodies(await ask(newcomer, dm, f"claim {scene.values['gate']}", bot)),
        ]
        return dm, said

    dm, said = town.run(story())
    # Then they are told how to join, welcomed, and hold the shift; the direct chat is theirs
    assert "not registered" in said[0]
    assert "Welcome" in said[1] and "volunteer" in said[1]
    assert f"You have task #{scene.values['gate']}" in said[2]
    with town.factory() as session:
        account = session.scalars(
            select(ChatAccount).where(ChatAccount.external_id == newcomer.user_id)
        ).one()
        assert account.network == "matrix" and account.dm_chat_id == dm
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_a_stranger_in_a_room_is_told_once_and_nothing_changes(town: Town) -> None:
    # Given the captain's team room with the bot, and a stranger in it
    scene = town.scene
    captain, stranger = town.person("captain"), town.person("stranger")
    town.link(captain, "gate_captain")
    town.start_bot()
    bot = town.bot_account.user_id

    async def story() -> list[str]:
        room = await captain.open_room([bot, stranger.user_id])
        await stranger.sync()
        await captain.until_joined(room, {bot, stranger.user_id})
        # When the stranger speaks to the bot three times
        return [
            bodies(await ask(stranger, room, f"!claim {scene.values['gate']}", bot)),
            bodies(await ask(stranger, room, "!tasks", bot)),
            bodies(await ask(stranger, room, f"claim {scene.values['gate']}", bot)),
        ]

    said = town.run(story())
    # Then only the first gets an answer, how to get an invite, and nothing is recorded
    assert "not registered" in said[0] and "invite code" in said[0]
    assert said[1:] == ["", ""]
    with town.factory() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 0
        linked = select(ChatAccount).where(ChatAccount.external_id == stranger.user_id)
        assert session.scalars(linked).first() is None


def test_the_bot_joins_rooms_of_linked_people_and_configured_rooms_only(town: Town) -> None:
    # Given a linked captain, an unlinked stranger, and a room the deployment configures
    captain, stranger = town.person("captain"), town.person("stranger")
    town.link(captain, "gate_captain")
    bot = town.bot_account.user_id

    async def rooms() -> tuple[str, str, str]:
        configured = await stranger.open_room([bot], name="configured")
        from_captain = await captain.open_room([bot], name="captain's")
        from_stranger = await stranger.open_room([bot], name="stranger's")
        return configured, from_captain, from_stranger

    configured, from_captain, from_stranger = town.run(rooms())
    # When the bot starts and finds the three invites
    town.start_bot(rooms=[configured])

    async def memberships() -> tuple[set[str], set[str], str]:
        await stranger.until_joined(configured, {bot})
        await captain.until_joined(from_captain, {bot})
        for _ in range(100):
            state = await stranger.client.room_get_state_event(from_stranger, "m.room.member", bot)
            membership = getattr(state, "content", {}).get("membership", "")
            if membership != "invite":
                break
            await stranger.sync(timeout_ms=100)
        return await stranger.members(configured), await captain.members(from_captain), membership

    in_configured, in_captains, stranger_invite = town.run(memberships())
    # Then it joined the configured room and the captain's, and the stranger's too, to tell them how to join
    # (tests/bots/matrix/test_team_chats.py: once, and no cards)
    assert bot in in_configured and bot in in_captains
    assert stranger_invite == "join"


def test_a_restart_answers_what_came_meanwhile_and_replays_nothing(town: Town) -> None:
    # Given a linked volunteer who asked for help and was answered
    volunteer = town.person("volunteer")
    first = town.start_bot()
    bot = town.bot_account.user_id
    dm = town.run(volunteer.open_direct_chat(bot))
    town.run(volunteer.until_joined(dm, {bot}))
    town.link(volunteer, "volunteers[0]", direct=dm)
    assert "What you can do" in bodies(town.run(ask(volunteer, dm, "help", bot)))
    device = BotMemory(town.tmp / "store").credentials
    # When the bot stops, the volunteer writes meanwhile, and the bot starts again from its store
    first.stop()
    meanwhile = town.run(volunteer.say(dm, "my"))
    town.start_bot()
    answered = town.run(volunteer.until_read(meanwhile, bot))
    # Then the message sent meanwhile is answered once, "help" is not answered again, no new login
    assert len(answered) == 1 and "You hold no tasks" in answered[0].body
    assert device is not None and BotMemory(town.tmp / "store").credentials == device


def test_an_encrypted_room_is_told_once_that_the_bot_cannot_read_it(town: Town) -> None:
    # Given a linked captain with a direct chat, who invites the bot to an encrypted room
    captain = town.person("captain")
    town.start_bot()
    bot = town.bot_account.user_id
    dm = town.run(captain.open_direct_chat(bot))
    town.run(captain.until_joined(dm, {bot}))
    town.link(captain, "gate_captain", direct=dm)

    async def story() -> tuple[list[Received], list[Received]]:
        created = await captain.client.room_create(invite=[bot], initial_state=[ENCRYPTION])
        assert isinstance(created, RoomCreateResponse), created
        room = created.room_id
        warned = await captain.wait_for(lambda got: any(m.room_id == room for m in got))
        # When the captain writes in it (twice), then asks in the direct chat
        await captain.say(room, "!tasks")
        await captain.say(room, "!board")
        after = await ask(captain, dm, "help", bot)
        return [m for m in warned if m.room_id == room], after

    warned, after = town.run(story())
    # Then the room got one notice, in both languages, and the commands there were not answered
    assert len(warned) == 1 and "encrypted" in warned[0].body and "加密" in warned[0].body
    assert [m.room_id for m in after] == [dm]


def test_when_the_database_fails_the_person_is_told_that_nothing_changed(town: Town) -> None:
    # Given the bot in a configured room
    captain = town.person("captain")
    bot = town.bot_account.user_id
    room = town.run(captain.open_room([bot]))
    town.start_bot(rooms=[room])
    town.run(captain.until_joined(room, {bot}))
    # When the database loses a table the bot needs and the captain speaks to the bot
    with town.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE chat_account")
    said = bodies(town.run(ask(captain, room, "!tasks", bot)))
    # Then the bot answers with an apology instead of silence
    assert "something went wrong and nothing was changed" in said


def test_a_newcomer_who_joins_in_a_room_gets_a_direct_chat_opened_by_the_bot(town: Town) -> None:
    # Given a configured lobby room with the bot and a newcomer in it
    newcomer, organiser = town.person("newcomer"), town.person("organiser")
    bot = town.bot_account.user_id
    lobby = town.run(organiser.open_room([bot, newcomer.user_id], name="lobby"))
    town.start_bot(rooms=[lobby])

    async def story() -> tuple[str, list[Received]]:
        await newcomer.sync()
        await organiser.until_joined(lobby, {bot, newcomer.user_id})
        # When the newcomer sends an invite code in the room
        said = await ask(newcomer, lobby, f"!start {town.scene.values['code']}", bot)
        if not any(m.room_id != lobby for m in said):
            said += await newcomer.wait_for(lambda got: any(m.room_id != lobby for m in got))
        return bodies([m for m in said if m.room_id == lobby]), said

    said, later = town.run(story())
    # Then they are welcomed there, and the bot opens a direct chat and says what it is for
    assert "Welcome" in said
    direct = {m.room_id for m in later if m.room_id != lobby}
    assert len(direct) == 1 and any("direct chat" in m.body for m in later)
    with town.factory() as session:
        account = session.scalars(
            select(ChatAccount).where(ChatAccount.external_id == newcomer.user_id)
        ).one()
        assert account.dm_chat_id == direct.pop()


def test_a_private_reply_without_a_known_direct_chat_opens_one(town: Town) -> None:
    # Given the adapter (driven directly) and a linked volunteer with no direct chat known
    from nio import AsyncClient, MatrixRoom, RoomMessageText

    from bots.matrix.bot import MatrixBot
    from coord.chat import Reply

    volunteer = town.person("volunteer")
    town.link(volunteer, "volunteers[0]")
    account = town.bot_account

    async def story() -> list[Received]:
        client = AsyncClient(town.synapse.url, account.user_id)
        client.restore_login(account.user_id, account.device_id, account.access_token)
        adapter = MatrixBot(
            client,
            store=ChatStore(town.factory),
            clock=town.clock,
            configured_rooms=[],
        )
        said = RoomMessageText.from_dict(
            {
                "type": "m.room.message",
                "event_id": "$said",
                "sender": volunteer.user_id,
                "origin_server_ts": 1,
                "content": {"msgtype": "m.text", "body": "!task 1"},
            }
        )
        private = Reply(
            "Details for you only, task #{task_id}: {details}", {"task_id": 1, "details": "Room 301"}
        )
        # When a reply meant for the direct chat only is sent from a room
        await adapter.send_reply(
            Reply(private.key, private.params, target="direct"),
            MatrixRoom("!team:localhost", account.user_id),
            said,
            private=False,
        )
        await client.close()
        return await volunteer.wait_for(lambda got: any("Room 301" in m.body for m in got))

    got = town.run(story())
    # Then it went to a new direct chat with the volunteer, now recorded as theirs
    rooms = {m.room_id for m in got if "Room 301" in m.body}
    with town.factory() as session:
        account_row = session.scalars(
            select(ChatAccount).where(ChatAccount.external_id == volunteer.user_id)
        ).one()
    assert rooms == {account_row.dm_chat_id}
