"""A task card is kept up to date only in a team's linked group (issue 19): one shown in a group nobody linked
is not remembered, and one in a group unlinked since is forgotten, never edited again."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.chat.group_cards import remember_card, stale_cards
from coord.models import PostedCard, TeamChat
from coord.services.people.team_chats import unlink_team_chat
from coord.services.work.tasks import cancel_task
from tests.chat.scene import NETWORK, Scene
from tests.factories import NOW, SYSTEM


def cards(session: Session) -> int:
    return int(session.scalar(select(func.count(PostedCard.id))) or 0)


def test_a_card_in_a_group_nobody_linked_is_not_kept_up_to_date(session: Session, scene: Scene) -> None:
    # Given the gate shift's card shown in the team's linked group and in a group nobody linked
    gate = int(scene.values["gate"])
    linked = session.scalars(select(TeamChat.chat_id).where(TeamChat.network == NETWORK)).first()
    assert linked is not None
    for chat_id in (linked, "some-other-group"):
        remember_card(session, network=NETWORK, chat_id=chat_id, message_id="1", task_id=gate, language="en")
    # Then only the linked group's card is remembered
    assert [c.chat_id for c in session.scalars(select(PostedCard))] == [linked]
    # And when the task changes after the team's group was unlinked, no card is edited: it is forgotten
    unlink_team_chat(session=session, actor=SYSTEM, network=NETWORK, chat_id=linked, now=NOW)
    cancel_task(session=session, actor=SYSTEM, task_id=gate, reason="storm", now=NOW)
    edits, remembered = stale_cards(session, network=NETWORK, now=NOW)
    assert edits == [] and remembered == 0 and cards(session) == 0
