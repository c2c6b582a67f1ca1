"""Invite codes cannot be guessed without limit (issue 19): wrong codes are counted per chat account and in
total; after a few the account waits, longer each time, then is refused for a while; a right code is
refused too while it waits, and nothing changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import Inbound, handle_safely, render_text
from coord.models import ChatAccount, InviteFailure
from coord.services.privacy import guessing
from tests.chat.scene import NETWORK, Scene


def start(factory: sessionmaker[Session], scene: Scene, who: str, code: str, seconds: float) -> str:
    inbound = Inbound(
        network=NETWORK,
        user_id=f"guesser-{who}",
        display_name=who,
        chat_id=f"dm-guesser-{who}",
        is_private_chat=True,
        text=f"/start {code}",
    )
    replies = handle_safely(inbound, session_factory=factory, now=scene.now + timedelta(seconds=seconds))
    return "\n".join(render_text(r) for r in replies)


def linked(session: Session, who: str) -> bool:
    found = select(func.count(ChatAccount.id)).where(ChatAccount.external_id == f"guesser-{who}")
    return bool(session.scalar(found))


def test_wrong_codes_slow_an_account_down_then_refuse_it(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    # Given three wrong codes in a row, each told as unknown
    for second in range(3):
        assert "not known" in start(chat_factory, scene, "a", f"ZZZZZZZ{second + 2}", second)
    # When the account tries again at once, even with the right code
    said = start(chat_factory, scene, "a", scene.values["code"], 4)
    # Then it is asked to wait, and nothing changes
    assert "wait" in said and not linked(session, "a")
    # Once it has waited, it may try again: a fourth wrong code doubles the wait
    assert "not known" in start(chat_factory, scene, "a", "ZZZZZZZ5", 40)
    assert "wait" in start(chat_factory, scene, "a", "ZZZZZZZ6", 40 + 59)
    assert "not known" in start(chat_factory, scene, "a", "ZZZZZZZ6", 40 + 61)
    # Another account is not slowed by it
    assert "Welcome" in start(chat_factory, scene, "b", scene.values["code"], 100)


def test_ten_wrong_codes_in_an_hour_refuse_the_account_for_the_rest_of_it(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    at = scene.now - timedelta(minutes=30)
    rows = [
        {"network": NETWORK, "external_id": "guesser-c", "at": at + timedelta(minutes=i)} for i in range(10)
    ]
    session.execute(insert(InviteFailure), rows)
    said = start(chat_factory, scene, "c", scene.values["code"], 0)
    assert "Too many wrong invite codes. Try again in 30 minutes." in said and not linked(session, "c")
    assert "Welcome" in start(chat_factory, scene, "c", scene.values["code"], 31 * 60)


def test_many_accounts_guessing_pause_every_redemption(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    rows = [
        {"network": NETWORK, "external_id": f"bot-{i}", "at": scene.now - timedelta(minutes=1)}
        for i in range(guessing.ALL_REFUSED_AFTER)
    ]
    session.execute(insert(InviteFailure), rows)
    said = start(chat_factory, scene, "d", scene.values["code"], 0)
    assert "are being tried" in said and not linked(session, "d")
    assert "Welcome" in start(chat_factory, scene, "d", scene.values["code"], 10 * 60)
