"""The adapter's entry: one transaction per message, failures rolled back and apologised for, privacy kept."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import ChatStore, Inbound, handle, handle_safely, render_text
from coord.chat import handler as chat_handler
from coord.chat.context import Context
from coord.chat.parse import Command
from coord.chat.port import Reply
from coord.models import Assignment, Notification
from coord.services.work import claims
from coord.services.work.tasks import create_task
from tests.chat.scene import GROUP_CHAT, NETWORK, Scene
from tests.factories import SYSTEM


def message(who: str, text: str, *, group: bool = False, hint: str | None = None) -> Inbound:
    return Inbound(
        network=NETWORK,
        user_id=f"u-{who}",
        display_name=who,
        chat_id=GROUP_CHAT if group else f"dm-{who}",
        is_private_chat=not group,
        text=text,
        language_hint=hint,
    )


def test_an_unexpected_failure_is_rolled_back_and_apologised_for(
    session: Session,
    scene: Scene,
    chat_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a claim command that crashes after the claim was written
    def claim_then_crash(ctx: Context, command: Command) -> list[Reply]:
        claims.claim(session=ctx.session, actor=ctx.actor, task_id=int(command.args[0]), now=ctx.now)
        raise RuntimeError("the network fell over")

    monkeypatch.setitem(chat_handler.HANDLERS, "claim", claim_then_crash)
    # When it runs through handle_safely
    with caplog.at_level(logging.ERROR, logger="coord.chat.handler"):
        replies = handle_safely(
            message("volunteer", f"claim {scene.values['gate']}", hint="zh"),
            session_factory=chat_factory,
            now=scene.now,
        )
    # Then they are told, in their language, that nothing changed; the claim is gone; the log has the cause
    assert [render_text(r) for r in replies] == ["抱歉，出了点问题，什么都没有改动。请稍后再试。"]
    assert session.scalar(select(func.count(Assignment.id))) == 0
    assert "the network fell over" in caplog.text


def test_a_claim_in_the_group_sends_private_details_only_by_direct_message(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    delivery = int(scene.values["delivery"])
    replies = handle_safely(
        message("helper", f"claim {delivery}", group=True), session_factory=chat_factory, now=scene.now
    )
    here = [render_text(r) for r in replies if r.target == "here"]
    direct = [render_text(r) for r in replies if r.target == "direct"]
    assert here and direct
    for secret in ("13800000001", "Wang Lan", "301", "Call before you knock"):
        assert all(secret not in text for text in here)
        assert any(secret in text for text in direct)
    # and the service wrote the private outbox notification for the assignee alone
    private = session.scalars(select(Notification).where(Notification.private.is_(True))).all()
    assert [(n.person_id, n.team_id) for n in private] == [(scene.cast["helper"].id, None)]


def test_handle_leaves_the_commit_to_the_caller(session: Session, scene: Scene) -> None:
    # handle() writes into the given session and does not commit: a rollback undoes the claim
    nested = session.begin_nested()
    replies = handle(message("volunteer", f"claim {scene.values['gate']}"), session=session, now=scene.now)
    assert "You have task" in render_text(replies[0])
    assert session.scalar(select(func.count(Assignment.id))) == 1
    nested.rollback()
    assert session.scalar(select(func.count(Assignment.id))) == 0


def test_group_chatter_is_ignored_but_commands_are_answered(
    scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    def ask(text: str) -> list[Reply]:
        return handle_safely(
            message("volunteer", text, group=True), session_factory=chat_factory, now=scene.now
        )

    assert ask("see you all at eight") == []
    assert ask("谢谢大家") == []
    assert ask("/nonsense")  # explicit: meant for the bot, so it is answered
    assert ask("my") and ask("我的") and ask("!my")


def test_announce_goes_to_the_team_through_the_outbox(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    handle_safely(
        message("captain", "announce Gloves and masks at the depot"),
        session_factory=chat_factory,
        now=scene.now,
    )
    sent = session.scalars(select(Notification).where(Notification.team_id.is_not(None))).all()
    assert [(n.team_id, n.params["text"], n.private) for n in sent] == [
        (scene.world.gate_team.id, "Gloves and masks at the depot", False)
    ]


def test_declining_work_the_roster_gave(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    from coord.services.people.people import link_account
    from coord.services.work.autoassign import auto_assign
    from tests.factories import SYSTEM

    # Given the roster gave one slot of the gate shift to someone, who has a chat account
    gate = int(scene.values["gate"])
    given = auto_assign(session=session, task_ids=[gate], now=scene.now)
    assert given
    chosen = given[0].person
    link_account(session=session, actor=SYSTEM, person=chosen, network=NETWORK, external_id="u-chosen")
    # When they press Decline
    replies = handle_safely(
        Inbound(NETWORK, "u-chosen", chosen.name, "dm-chosen", payload=f"dc:{gate}"),
        session_factory=chat_factory,
        now=scene.now,
    )
    # Then they are told, and their slot is released
    assert "You have declined task" in render_text(replies[0])
    session.expire_all()
    states = {
        a.person_id: a.state for a in session.scalars(select(Assignment).where(Assignment.task_id == gate))
    }
    assert str(states[chosen.id]) == "released"


def test_declining_work_you_claimed_yourself_is_refused(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    gate = scene.values["gate"]
    handle_safely(message("volunteer", f"claim {gate}"), session_factory=chat_factory, now=scene.now)
    replies = handle_safely(message("volunteer", f"推辞 {gate}"), session_factory=chat_factory, now=scene.now)
    assert "give it back with “release” instead" in render_text(replies[0])


def test_the_direct_chat_is_remembered_and_named_on_private_replies(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    from coord.models import ChatAccount

    # Given the helper's account does not know their direct chat yet
    account = session.scalars(select(ChatAccount).where(ChatAccount.external_id == "u-helper")).one()
    account.dm_chat_id = None
    session.flush()
    # When they write to the bot privately, then claim a delivery in the group
    handle_safely(message("helper", "my"), session_factory=chat_factory, now=scene.now)
    replies = handle_safely(
        message("helper", f"claim {scene.values['delivery']}", group=True),
        session_factory=chat_factory,
        now=scene.now,
    )
    # Then the account keeps the direct chat, and the private details are addressed to it
    session.refresh(account)
    assert account.dm_chat_id == "dm-helper"
    assert [(r.target, r.direct_chat_id) for r in replies] == [("here", None), ("direct", "dm-helper")]


@pytest.mark.parametrize(
    "chatter",
    [
        "今天天气不错",
        "今天 大家辛苦了",
        "任务 完成得很好",
        "stop",
        "取消",
        "thanks, claim it later",
        "done for today!",
    ],
)
def test_sentences_that_start_with_a_command_word_are_chatter_in_a_group(
    chatter: str, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    assert (
        handle_safely(message("volunteer", chatter, group=True), session_factory=chat_factory, now=scene.now)
        == []
    )
    # said to the bot privately, the same words get an answer
    assert handle_safely(message("volunteer", chatter), session_factory=chat_factory, now=scene.now)


def test_private_details_are_sent_once_whichever_way_they_go(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    from coord.models import ChatAccount, NotificationStatus

    def private_outbox() -> list[NotificationStatus]:
        return list(session.scalars(select(Notification.status).where(Notification.private.is_(True))))

    # Given the helper's direct chat is known: the claim's reply carries the details; the outbox copy
    # is held for the reply (delivery waits) and settled only once the adapter says the reply went out
    replies = handle_safely(
        message("helper", f"claim {scene.values['delivery']}", group=True),
        session_factory=chat_factory,
        now=scene.now,
    )
    assert [r.target for r in replies] == ["here", "direct"]
    held = session.scalars(select(Notification).where(Notification.private.is_(True))).one()
    assert held.status == NotificationStatus.PENDING and held.sending_since == scene.now
    assert held.next_attempt_at > scene.now and replies[1].settles == held.dedupe_key
    ChatStore(chat_factory).reply_sent(replies[1], now=scene.now)
    session.expire_all()
    assert private_outbox() == [NotificationStatus.SENT]

    # Given a volunteer whose direct chat is not known: no direct reply, the outbox keeps it for delivery
    account = session.scalars(select(ChatAccount).where(ChatAccount.external_id == "u-volunteer")).one()
    account.dm_chat_id = None
    another = create_task(
        session=session,
        actor=SYSTEM,
        community=scene.world.community,
        kind="delivery",
        title="Medicine",
        household=scene.world.households[1],
        due_at=scene.now + timedelta(hours=2),
        now=scene.now,
    )
    session.flush()
    replies = handle_safely(
        message("volunteer", f"claim {another.id}", group=True), session_factory=chat_factory, now=scene.now
    )
    assert [r.target for r in replies] == ["here"]
    assert sorted(private_outbox()) == sorted([NotificationStatus.SENT, NotificationStatus.PENDING])


def test_a_task_card_shows_private_details_only_to_readers_with_a_direct_chat(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    from coord.models import ChatAccount

    delivery = scene.values["delivery"]
    secrets = ("13800000001", "Wang Lan")

    def card(who: str, *, group: bool) -> list[Reply]:
        return handle_safely(
            message(who, f"task {delivery}", group=group), session_factory=chat_factory, now=scene.now
        )

    # A volunteer who does not hold the task sees the public card only, even in a private chat
    assert all(s not in render_text(r) for r in card("volunteer", group=False) for s in secrets)
    # The holder, whose direct chat is not known, asks in the group: nothing private, and how to get it
    handle_safely(message("helper", f"claim {delivery}"), session_factory=chat_factory, now=scene.now)
    account = session.scalars(select(ChatAccount).where(ChatAccount.external_id == "u-helper")).one()
    account.dm_chat_id = None
    session.flush()
    replies = card("helper", group=True)
    assert [r.target for r in replies] == ["here", "here"]
    assert all(s not in render_text(r) for r in replies for s in secrets)
    assert "only in a private chat" in render_text(replies[1])
    # In their private chat they get the details, addressed to that chat
    replies = card("helper", group=False)
    assert [(r.target, r.direct_chat_id) for r in replies] == [("here", None), ("direct", "dm-helper")]
    assert all(s in render_text(replies[1]) for s in secrets)
