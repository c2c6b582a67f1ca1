"""The bot's ``web`` (网页): a captain or coordinator gets a one-time sign-in link by direct message, through
the outbox; in a group, or for a volunteer, nothing is sent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.chat import Inbound, handle, render_text
from coord.models import Notification, WebLink
from coord.services.board import publish_address
from coord.services.board.signin import token_hash
from tests.chat.scene import GROUP_CHAT, NETWORK, Scene


def message(who: str, text: str, *, group: bool = False) -> Inbound:
    return Inbound(
        network=NETWORK,
        user_id=f"u-{who}",
        display_name=who,
        chat_id=GROUP_CHAT if group else f"dm-{who}",
        is_private_chat=not group,
        text=text,
    )


def test_a_captain_asks_for_a_link_and_it_comes_by_direct_message(session: Session, scene: Scene) -> None:
    # Given a board that has published its address
    publish_address(session, "https://board.example.org/", now=scene.now)
    # When the captain asks in Chinese
    replies = handle(message("captain", "网页"), session=session, now=scene.now)
    # Then they are told it is on its way, and the outbox holds one private message with the link
    assert [render_text(r, "zh") for r in replies] == ["看板登录链接正在发给你：只能用一次，10 分钟内有效。"]
    [note] = session.scalars(select(Notification).where(Notification.msgid.contains("sign-in link"))).all()
    assert note.private and note.person_id == scene.cast["captain"].id
    url = note.params["url"]
    assert url.startswith("https://board.example.org/signin/")
    token = url.rsplit("/", 1)[1]
    [link] = session.scalars(select(WebLink)).all()
    assert link.token_hash == token_hash(token) and link.person_id == scene.cast["captain"].id


def test_no_link_in_a_group_or_for_a_volunteer_or_without_a_board(session: Session, scene: Scene) -> None:
    replies = handle(message("captain", "web"), session=session, now=scene.now)
    assert "not running" in render_text(replies[0], "en")
    publish_address(session, "http://127.0.0.1:8080", now=scene.now)
    in_group = handle(message("captain", "/web", group=True), session=session, now=scene.now)
    volunteer = handle(message("volunteer", "web"), session=session, now=scene.now)
    assert "direct chat" in render_text(in_group[0], "en")
    assert render_text(volunteer[0], "en").startswith("The board is for captains and coordinators.")
    assert session.scalars(select(WebLink)).all() == []
    assert (
        session.scalars(select(Notification).where(Notification.msgid.contains("sign-in link"))).all() == []
    )
