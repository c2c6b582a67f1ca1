"""The port adapters keep their memory through: who is behind an account, notes on chats, and what a command
or a reply says of itself (whether it only reads, whether it is a task card)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import ChatNoteKind, ChatStore, Inbound, parse, parse_payload
from coord.models import ChatAccount
from tests.chat.scene import GROUP_CHAT, NETWORK, Scene


def test_an_account_is_found_by_its_network_id(chat_factory: sessionmaker[Session], scene: Scene) -> None:
    store = ChatStore(chat_factory)
    found = store.account(NETWORK, "u-volunteer")
    assert found is not None and found.direct_chat_id == "dm-volunteer"
    assert found.language == scene.cast["volunteer"].language
    assert store.account(NETWORK, "u-nobody") is None
    assert store.account("elsewhere", "u-volunteer") is None


def test_a_direct_chat_opened_by_the_bot_is_noted_and_becomes_the_persons(
    session: Session, chat_factory: sessionmaker[Session], scene: Scene
) -> None:
    # Given a volunteer whose direct chat is known, and the bot opening another one
    store = ChatStore(chat_factory)
    account = store.account(NETWORK, "u-volunteer")
    assert account is not None
    # When it is recorded
    store.direct_chat_opened(NETWORK, "dm-new", user_id="u-volunteer", account=account)
    # Then the chat is a direct chat, and private details go there from now on
    assert store.noted(NETWORK, "dm-new", ChatNoteKind.DIRECT)
    assert store.noted(NETWORK, "dm-new", ChatNoteKind.DIRECT, "u-volunteer")
    row = session.scalars(select(ChatAccount).where(ChatAccount.external_id == "u-volunteer")).one()
    session.refresh(row)
    assert row.dm_chat_id == "dm-new"


def test_a_note_is_kept_once(chat_factory: sessionmaker[Session], scene: Scene) -> None:
    store = ChatStore(chat_factory)
    assert not store.noted(NETWORK, GROUP_CHAT, ChatNoteKind.STRANGER_TOLD, "u-stranger")
    store.note(NETWORK, GROUP_CHAT, ChatNoteKind.STRANGER_TOLD, "u-stranger")
    store.note(NETWORK, GROUP_CHAT, ChatNoteKind.STRANGER_TOLD, "u-stranger")  # a no-op
    assert store.noted(NETWORK, GROUP_CHAT, ChatNoteKind.STRANGER_TOLD, "u-stranger")
    assert not store.noted(NETWORK, GROUP_CHAT, ChatNoteKind.STRANGER_TOLD, "u-other")
    assert not store.noted("elsewhere", GROUP_CHAT, ChatNoteKind.STRANGER_TOLD)
    assert not store.noted(NETWORK, GROUP_CHAT, ChatNoteKind.DIRECT)


def test_commands_say_whether_they_only_read() -> None:
    assert parse("tasks").reads_only and parse("任务 12").reads_only and parse("").reads_only
    assert parse_payload("t:12").reads_only and parse_payload("p:2").reads_only
    assert not parse("claim 12").reads_only and not parse_payload("c:12").reads_only
    assert not parse("North gate, 8 to 12").reads_only  # a guided conversation's answer may change work


def in_group(text: str) -> Inbound:
    return Inbound(NETWORK, "u-volunteer", "Volunteer", GROUP_CHAT, is_private_chat=False, text=text)


def test_a_task_card_says_which_task_it_shows(chat_factory: sessionmaker[Session], scene: Scene) -> None:
    gate = int(scene.values["gate"])
    store = ChatStore(chat_factory)
    assert [r.card_of for r in store.answer(in_group(f"task {gate}"), now=scene.now)] == [gate]
    listed = store.answer(in_group("/tasks"), now=scene.now)
    assert listed and all(r.card_of is None for r in listed)
