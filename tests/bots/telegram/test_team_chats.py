"""A team's group chat on Telegram, with the real bot against the fake Bot API server: the bot added to a
group (by a captain, by a stranger), a link code's add-to-group link, the bot removed (``my_chat_member``)
unlinking the group, a group upgraded to a supergroup keeping its link, and a team notification reaching
the group once it is linked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import FrozenClock
from coord.models import Event, TeamChat
from peers.telegram_api import Call, FakeTelegram
from tests.bots.telegram.conftest import GROUP, NEW_GROUP, BotUnderTest, private, start_bot, tg_user
from tests.bots.telegram.dialogs import USER_IDS, telegram_scene, user_for
from tests.bots.telegram.test_workers import Pipeline, pipeline  # noqa: F401  (a fixture used below)
from tests.chat.dialogs import Dialog
from tests.chat.scene import Scene
from tests.factories import NOW, World, gate_shift
from tests.workers.helpers import until


@pytest.fixture
def scene(session: Session, world: World) -> Scene:
    built = telegram_scene(session, world, Dialog("team chats", ()))
    session.flush()
    return built


@pytest.fixture
def bot(telegram: FakeTelegram, chat_factory: sessionmaker[Session]) -> Iterator[BotUnderTest]:
    telegram.opened.update(USER_IDS.values())
    running = start_bot(telegram, chat_factory, FrozenClock(NOW))
    yield running
    running.close()


def texts(calls: list[Call]) -> str:
    return "\n".join(call.text for call in calls)


def chats_of(session: Session, chat_id: int | str) -> list[TeamChat]:
    session.expire_all()
    return list(session.scalars(select(TeamChat).where(TeamChat.chat_id == str(chat_id))))


def membership(
    bot: BotUnderTest, user: dict[str, Any], chat: dict[str, Any], old: str, new: str
) -> list[Call]:
    """``user`` changes the bot's membership of ``chat``; what the bot sent because of it."""
    mark = bot.server.mark()
    bot.wait_done(bot.server.member_update(user, chat, old, new))
    return bot.server.sent(mark)


def test_the_bot_removed_from_a_linked_group_unlinks_it(
    bot: BotUnderTest, session: Session, scene: Scene
) -> None:
    # Given the captain has made a new group the gate team's chat
    captain = user_for("captain", scene, "en")
    assert "now the chat of team Gate duty" in texts(bot.say(captain, NEW_GROUP, "/link"))
    assert [c.team_id for c in chats_of(session, NEW_GROUP["id"])] == [scene.world.gate_team.id]
    # When the captain removes the bot from the group
    said = membership(bot, captain, NEW_GROUP, "member", "kicked")
    # Then the group is no team's chat, nothing was said (the bot cannot), and who did it is recorded
    assert said == []
    assert chats_of(session, NEW_GROUP["id"]) == []
    unlinked = session.scalars(select(Event).where(Event.action == "team_chat_unlinked")).one()
    assert unlinked.actor_id == scene.cast["captain"].id and unlinked.channel == "telegram"
    assert unlinked.data["chat_id"] == str(NEW_GROUP["id"]) and unlinked.data["reason"] == "bot_removed"
    # And the bot leaving a group that was no team's, or being made an admin, changes nothing
    assert membership(bot, captain, {**NEW_GROUP, "id": -1005550001}, "member", "left") == []
    assert membership(bot, captain, GROUP, "member", "administrator") == []
    assert len(chats_of(session, GROUP["id"])) == 1


def test_a_captain_adding_the_bot_is_told_how_to_link_and_the_link_code_links(
    bot: BotUnderTest, session: Session, scene: Scene
) -> None:
    captain = user_for("captain", scene, "en")
    menu = {c["command"]: c["description"] for c in bot.server.commands["zh"]}
    assert menu["link"] == "把本群设为队伍群（队长）"  # the command menu offers it
    # When the captain adds the bot to a new group, the group is told how to make it a team's chat
    greeting = texts(membership(bot, captain, NEW_GROUP, "left", "member"))
    assert "/link" in greeting and "task cards" in greeting
    assert chats_of(session, NEW_GROUP["id"]) == []  # adding the bot links nothing by itself
    # In a direct chat the captain gets a link code with a link that adds the bot to a group
    reply = texts(bot.say(captain, private(captain), "/link"))
    code = re.search(r"startgroup=([2-9A-Z]{8})", reply)
    assert code is not None and f"/link {code.group(1)}" in reply
    # Telegram sends "/start@bot CODE" in the group the captain picks: that links it
    linked = texts(bot.say(captain, NEW_GROUP, f"/start@coord_bot {code.group(1)}"))
    assert "now the chat of team Gate duty" in linked
    assert [c.team_id for c in chats_of(session, NEW_GROUP["id"])] == [scene.world.gate_team.id]
    event = session.scalars(select(Event).where(Event.action == "team_chat_linked")).all()[-1]
    assert event.actor_id == scene.cast["captain"].id and event.data["chat_id"] == str(NEW_GROUP["id"])
    assert event.data["with_code"] is True
    # The code works once
    again = texts(bot.say(captain, {**NEW_GROUP, "id": -1005550002}, f"/link {code.group(1)}"))
    assert "not known or has expired" in again


def test_a_stranger_adding_the_bot_is_told_once_how_to_join_and_gets_no_cards(
    bot: BotUnderTest, session: Session, scene: Scene
) -> None:
    stranger = tg_user(830001, "Passer-by")
    their_group = {"id": -1005550003, "type": "group", "title": "Building 9 neighbours"}
    first = membership(bot, stranger, their_group, "left", "member")
    assert [c.chat_id for c in first] == [their_group["id"]]
    assert "not registered" in texts(first) and "/start" in texts(first)
    # Removed and added again, or linking: the stranger is not told again, and nothing is linked
    assert membership(bot, stranger, their_group, "member", "left") == []
    assert membership(bot, stranger, their_group, "left", "member") == []
    assert "not registered" in texts(bot.say(stranger, their_group, "/link"))
    assert chats_of(session, their_group["id"]) == []


def test_a_group_upgraded_to_a_supergroup_keeps_its_link(
    bot: BotUnderTest, session: Session, scene: Scene
) -> None:
    captain = user_for("captain", scene, "en")
    basic = {"id": -4005550004, "type": "group", "title": "Gate duty (old)"}
    assert "now the chat of team Gate duty" in texts(bot.say(captain, basic, "/link"))
    # When Telegram upgrades the group to a supergroup
    for update_id in bot.server.migrate(captain, basic, -1005550004):
        bot.wait_done(update_id)
    # Then the link follows the new id
    assert chats_of(session, basic["id"]) == []
    assert [c.team_id for c in chats_of(session, -1005550004)] == [scene.world.gate_team.id]
    moved = session.scalars(select(Event).where(Event.action == "team_chat_moved")).one()
    assert moved.data["old_chat_id"] == str(basic["id"]) and moved.data["chat_id"] == "-1005550004"
    supergroup = {"id": -1005550004, "type": "supergroup", "title": "Gate duty (old)"}
    assert "already the chat of team Gate duty" in texts(bot.say(captain, supergroup, "/link"))


def test_once_linked_the_teams_alerts_and_announcements_reach_the_group(
    pipeline: Pipeline,  # noqa: F811
    telegram: FakeTelegram,
) -> None:
    stage = pipeline.stage
    bot = start_bot(telegram, stage.factory, pipeline.clock)
    supply_captain = user_for("supply_captain", stage.scene, "en")
    try:
        # Given a shift of the supply team, which has no group chat: its alert goes to the captain
        with stage.factory() as session, session.begin():
            world = stage.scene.world
            gate_shift(session, world, team=session.merge(world.supply_team), title="Depot shift")
        pipeline.run_at(NOW)
        to_captain = [c for c in telegram.sent() if c.chat_id == USER_IDS["supply_captain"]]
        assert len(to_captain) == 1 and "Depot shift" in to_captain[0].text
        # When the supply captain links a new group
        assert "now the chat of team Supplies" in texts(bot.say(supply_captain, NEW_GROUP, "/link"))
        # Then the team's next alert and an announcement go to that group
        mark = telegram.mark()
        with stage.factory() as session, session.begin():
            world = stage.scene.world
            gate_shift(session, world, team=session.merge(world.supply_team), title="Second depot shift")
        bot.say(supply_captain, private(supply_captain), "/announce Gloves are at the depot")

        def in_the_group() -> str:
            pipeline.run_at(pipeline.clock.now() + timedelta(seconds=5))  # a group gets a message a second
            return texts([c for c in telegram.sent(mark) if c.chat_id == NEW_GROUP["id"]])

        until(lambda: "Second depot shift" in in_the_group(), what="the team's alert in the group")
        until(lambda: "Gloves are at the depot" in in_the_group(), what="the announcement in the group")
        alert = [c for c in telegram.sent(mark) if "Second depot shift" in c.text]
        assert [c.chat_id for c in alert] == [NEW_GROUP["id"]] and alert[0].payloads  # a Claim button
    finally:
        bot.close()
