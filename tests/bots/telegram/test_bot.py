"""The Telegram adapter's own behaviour, with the real bot against the fake Bot API server: onboarding by
deep link, menus, buttons edited in place, group cards kept current, privacy, strangers, 429s."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import FrozenClock
from coord.models import Assignment, ChatAccount, Event, PostedCard
from coord.services.work.tasks import cancel_task
from peers.telegram_api import Call, FakeTelegram
from tests.bots.telegram.conftest import GROUP, BotUnderTest, private, start_bot, tg_user
from tests.bots.telegram.dialogs import USER_IDS, telegram_scene, user_for
from tests.bots.telegram.stage import committed_stage
from tests.chat.dialogs import Dialog
from tests.chat.scene import Scene
from tests.conftest import FreshDatabase
from tests.factories import NOW, SYSTEM, World


@pytest.fixture
def scene(session: Session, world: World) -> Scene:
    built = telegram_scene(session, world, Dialog("bot", ()))
    session.flush()
    return built


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def bot(
    telegram: FakeTelegram, chat_factory: sessionmaker[Session], clock: FrozenClock
) -> Iterator[BotUnderTest]:
    telegram.opened.update(USER_IDS.values())
    running = start_bot(telegram, chat_factory, clock)
    yield running
    running.close()


def texts(calls: list[Call]) -> str:
    return "\n".join(call.text for call in calls)


def test_menus_are_set_in_english_and_chinese(bot: BotUnderTest) -> None:
    menus = bot.server.commands
    assert {"", "zh"} <= set(menus)
    english = {c["command"]: c["description"] for c in menus[""]}
    chinese = {c["command"]: c["description"] for c in menus["zh"]}
    assert english["claim"] == "Take a task: /claim 12" and chinese["claim"] == "认领任务：/claim 12"
    assert all(re.fullmatch(r"[a-z0-9_]{1,32}", name) for name in english)


def test_onboarding_by_deep_link(bot: BotUnderTest, scene: Scene, session: Session) -> None:
    coordinator = user_for("coordinator", scene, "en")
    bot.say(coordinator, private(coordinator), "invite volunteer")
    reply = texts(bot.press(coordinator, private(coordinator), f"iv:v:{scene.values['gate_team']}"))
    link = re.search(r"https://t\.me/coord_bot\?start=(\w+)", reply)
    assert link is not None, reply
    # The newcomer taps the link: Telegram opens the chat and sends "/start CODE" for them
    newcomer = tg_user(810001, "Li Wei", "zh")
    welcome = bot.say(newcomer, private(newcomer), f"/start {link.group(1)}")
    assert "欢迎你" in texts(welcome)
    account = session.scalars(select(ChatAccount).where(ChatAccount.external_id == "810001")).one()
    assert account.network == "telegram" and account.dm_chat_id == "810001"
    assert account.person.language == "zh"
    assert "你现在没有认领任务" in texts(bot.say(newcomer, private(newcomer), "/my"))


def test_a_button_pressed_in_a_private_chat_edits_that_message(bot: BotUnderTest, scene: Scene) -> None:
    volunteer = user_for("volunteer", scene, "en")
    chat = private(volunteer)
    card = bot.say(volunteer, chat, f"task {scene.values['gate']}")[0]
    assert f"c:{scene.values['gate']}" in card.payloads
    message = bot.server.messages[(volunteer["id"], card.result["message_id"])]
    pressed = bot.press(volunteer, chat, f"c:{scene.values['gate']}", message)
    assert [c.method for c in pressed] == ["editMessageText"]
    assert int(pressed[0].params["message_id"]) == card.result["message_id"]
    assert "You have task" in pressed[0].text and f"i:{scene.values['gate']}" in pressed[0].payloads
    assert [c.method for c in bot.server.sent(methods=("answerCallbackQuery",))] == ["answerCallbackQuery"]


def test_a_group_card_is_edited_in_place_as_slots_fill_and_work_starts(
    bot: BotUnderTest, scene: Scene, clock: FrozenClock
) -> None:
    gate = scene.values["gate"]
    captain, volunteer, volunteer2 = (
        user_for(p, scene, "en") for p in ("captain", "volunteer", "volunteer2")
    )
    card = bot.say(captain, GROUP, f"/task {gate}")[0]
    card_id = card.result["message_id"]
    assert "2 of 2 free" in card.text and card.payloads == [f"c:{gate}", f"r:{gate}", f"k:{gate}"]
    # Pressing Claim on the card: the claim is answered, the card shows one slot left, for anyone
    pressed = bot.press(volunteer, GROUP, f"c:{gate}", bot.server.messages[(GROUP["id"], card_id)])
    edits = [c for c in pressed if c.method == "editMessageText"]
    assert [int(c.params["message_id"]) for c in edits] == [card_id]
    assert "1 of 2 free" in edits[0].text and edits[0].payloads == [f"c:{gate}"]
    assert "Volunteer 1" in texts([c for c in pressed if c.method == "sendMessage"])
    toast = bot.server.sent(methods=("answerCallbackQuery",))[-1]
    assert toast.params.get("text")
    # A claim typed in the group fills it: the card loses its Claim button
    typed = bot.say(volunteer2, GROUP, f"/claim {gate}")
    edit = next(c for c in typed if c.method == "editMessageText")
    assert "0 of 2 free" in edit.text and edit.payloads == []
    early = bot.say(volunteer, private(volunteer), f"checkin {gate}")
    assert "check in when you are at the post" in texts(early)  # refused: nothing changed, card untouched
    assert not [c for c in early if c.chat_id == GROUP["id"]]
    clock.advance(timedelta(minutes=115))
    started = bot.say(volunteer, private(volunteer), f"checkin {gate}")
    edit = next(c for c in started if c.chat_id == GROUP["id"])
    assert edit.method == "editMessageText" and int(edit.params["message_id"]) == card_id
    assert "in progress" in edit.text


def test_a_change_made_elsewhere_reaches_the_card(telegram: FakeTelegram, fresh_db: FreshDatabase) -> None:
    stage = committed_stage(fresh_db)
    telegram.opened.update(USER_IDS.values())
    bot = start_bot(telegram, stage.factory, FrozenClock(NOW), card_refresh_seconds=0.2)
    try:
        gate = stage.scene.values["gate"]
        captain = user_for("captain", stage.scene, "en")
        card = bot.say(captain, GROUP, f"/task {gate}")[0]
        with stage.factory() as session, session.begin():  # e.g. a coordinator at the command line
            cancel_task(session=session, actor=SYSTEM, task_id=int(gate), reason="storm", now=NOW)
        edit = telegram.wait_for(
            lambda: [c for c in telegram.sent(methods=("editMessageText",))], timeout=10
        )[0]
        assert int(edit.params["message_id"]) == card.result["message_id"]
        assert "· cancelled" in edit.text and edit.payloads == []
        telegram.wait_for(lambda: cards_left(stage.factory) == 0, timeout=10)  # finished work: forgotten
    finally:
        bot.close()


def cards_left(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(PostedCard)) or 0


def test_private_details_never_reach_the_group_and_a_closed_chat_is_explained(
    telegram: FakeTelegram, chat_factory: sessionmaker[Session], scene: Scene
) -> None:
    # Given a helper who never opened a private chat with the bot (Telegram answers 403 there)
    bot = start_bot(telegram, chat_factory, FrozenClock(NOW))
    try:
        helper = user_for("helper", scene, "en")
        replies = bot.say(helper, GROUP, f"/claim {scene.values['delivery']}")
    finally:
        bot.close()
    group = [c for c in replies if c.chat_id == GROUP["id"]]
    assert "Helper 1 has taken" in texts(group)
    assert "could not write to you privately" in texts(group) and "https://t.me/coord_bot" in texts(group)
    refused = [c for c in telegram.calls if c.method == "sendMessage" and c.chat_id == helper["id"]]
    assert [c.status for c in refused] == [403]
    for call in telegram.calls:  # nothing private was shown anywhere
        assert "13800000001" not in str(call.params) or call.status == 403


def test_strangers_and_unknown_groups(bot: BotUnderTest, session: Session, scene: Scene) -> None:
    events = session.scalar(select(func.count()).select_from(Event))
    stranger = tg_user(820001, "Passer-by")
    unknown_group = {"id": -1009999, "type": "group", "title": "Some other group"}
    assert "not registered" in texts(bot.say(stranger, private(stranger), "/claim 1"))
    assert bot.say(stranger, unknown_group, "hello everyone") == []
    assert "not registered" in texts(bot.say(stranger, unknown_group, "/claim@coord_bot 1"))
    assert bot.say(stranger, unknown_group, "/claim@other_bot 1") == []  # another bot's command
    volunteer = user_for("volunteer", scene, "en")
    assert bot.say(volunteer, unknown_group, "what a day") == []
    assert bot.say(volunteer, unknown_group, f"@coord_bot task {scene.values['gate']}")  # a mention
    pressed = bot.press(stranger, GROUP, f"c:{scene.values['gate']}")
    assert "not registered" in texts(pressed)
    assert bot.server.sent(methods=("answerCallbackQuery",))  # every press is acknowledged
    assert session.scalar(select(func.count()).select_from(Event)) == events  # nothing changed
    assert session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_a_429_on_a_reply_is_waited_out_and_nothing_is_lost(bot: BotUnderTest, scene: Scene) -> None:
    volunteer = user_for("volunteer", scene, "en")
    bot.server.rate_limit_next("sendMessage", retry_after=1)
    started = time.monotonic()
    replies = bot.say(volunteer, private(volunteer), "help")
    tried = [c for c in bot.server.calls if c.method == "sendMessage"]
    assert [c.status for c in tried] == [429, 200]
    assert len(replies) == 1 and "What you can do" in replies[0].text
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize("presses", [2, 6])
def test_people_pressing_the_same_claim_button_at_once(
    telegram: FakeTelegram, fresh_db: FreshDatabase, presses: int
) -> None:
    stage = committed_stage(fresh_db)
    delivery = stage.scene.values["delivery"]  # one slot
    telegram.opened.update(USER_IDS.values())
    bot = start_bot(telegram, stage.factory, FrozenClock(NOW))
    try:
        card = bot.say(user_for("captain", stage.scene, "en"), GROUP, f"/task {delivery}")[0]
        message = telegram.messages[(GROUP["id"], card.result["message_id"])]
        people = ["volunteer", "volunteer2", "helper", "captain", "supply_captain", "coordinator"][:presses]
        # When they all press Claim on the same card before the bot has seen any of the presses
        updates = [telegram.press(user_for(p, stage.scene, "en"), message, f"c:{delivery}") for p in people]
        for update_id in updates:
            bot.wait_done(update_id)
    finally:
        bot.close()
    # Then one holds the slot, and everyone was answered
    with stage.factory() as session:
        holders = session.scalars(
            select(Assignment.person_id).where(Assignment.task_id == int(delivery))
        ).all()
    assert len(holders) == 1
    toasts = [c.params.get("text", "") for c in telegram.sent(methods=("answerCallbackQuery",))]
    assert len(toasts) == presses and all(toasts)
    assert sum("has taken" in t for t in toasts) == 1
    assert sum("full" in t for t in toasts) == presses - 1
    edits = [c for c in telegram.sent(methods=("editMessageText",)) if c.chat_id == GROUP["id"]]
    assert edits and "0 of 1 free" in edits[-1].text and edits[-1].payloads == []
