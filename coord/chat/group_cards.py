"""Task cards in group chats, kept current: each posted card is remembered and refreshed as its task changes.

A card posted in a group (the answer to ``task 12`` there) is remembered per (chat, task). Any change to
a task writes an event, so a card is stale when its task has an event newer than the one it shows. The
refreshed card is the public view: what anyone in the group may read, with the Claim button while a slot
is free. A card of finished work is refreshed a last time and forgotten. Only cards in a team's linked chat
are kept up to date: a card shown in a group nobody linked, or one unlinked since, is forgotten.

Functions take the session; the caller owns the transaction (``coord.chat.store.ChatStore`` for adapters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from coord.chat.cards import card
from coord.chat.context import Context
from coord.chat.port import Inbound, Reply
from coord.chat.render import render_buttons, render_text
from coord.models import Community, Event, Person, PostedCard, Task, TaskStatus, TeamChat

FINISHED = (TaskStatus.DONE, TaskStatus.CANCELLED)


@dataclass(frozen=True)
class CardEdit:
    """A stale card and what it should now say."""

    card_id: int
    chat_id: str
    message_id: str
    text: str
    buttons: list[list[tuple[str, str]]]
    event_id: int
    final: bool  # its work is finished: forgotten once edited


def _latest_event(task_id: int | ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[int]:
    """The id of the newest event of a task (0 when it has none)."""
    return select(func.coalesce(func.max(Event.id), 0)).where(Event.task_id == task_id).scalar_subquery()


def remember_card(
    session: Session, *, network: str, chat_id: str, message_id: str, task_id: int, language: str
) -> None:
    """Remember the card just posted in a group chat (it replaces an older card of the task there); a card
    in a group no team linked is not kept up to date (who holds the task is no business of that group)."""
    if not _linked(session, network, chat_id):
        return
    session.execute(
        delete(PostedCard).where(
            PostedCard.network == network, PostedCard.chat_id == chat_id, PostedCard.task_id == task_id
        )
    )
    seen = session.scalar(select(_latest_event(task_id)))
    session.add(
        PostedCard(
            network=network,
            chat_id=chat_id,
            message_id=message_id,
            task_id=task_id,
            language=language,
            seen_event_id=seen or 0,
        )
    )


def _linked(session: Session, network: str, chat_id: str) -> bool:
    """Whether the group is some team's linked chat."""
    found = select(TeamChat.id).where(TeamChat.network == network, TeamChat.chat_id == chat_id).limit(1)
    return session.scalar(found) is not None


def stale_cards(session: Session, *, network: str, now: datetime) -> tuple[list[CardEdit], int]:
    """Every remembered card whose task changed since it was shown, with its new public view; and how
    many cards are remembered on ``network`` (none: nothing to look at until one is posted)."""
    # Cards in a group unlinked since they were posted are forgotten (a read, unless there are some).
    unlinked = PostedCard.chat_id.not_in(select(TeamChat.chat_id).where(TeamChat.network == network))
    gone = session.scalars(select(PostedCard.id).where(PostedCard.network == network, unlinked)).all()
    if gone:
        session.execute(delete(PostedCard).where(PostedCard.id.in_(gone)))
    remembered = session.scalar(
        select(func.count()).select_from(PostedCard).where(PostedCard.network == network)
    )
    if not remembered:
        return [], 0
    latest = _latest_event(PostedCard.task_id)
    rows = session.execute(
        select(PostedCard, latest)
        .where(PostedCard.network == network, latest > PostedCard.seen_event_id)
        .order_by(PostedCard.id)
    ).all()
    edits = []
    for posted, event_id in rows:
        task = session.get_one(Task, posted.task_id)
        reply = public_card(session, task, language=posted.language, now=now, network=network)
        edits.append(
            CardEdit(
                posted.id,
                posted.chat_id,
                posted.message_id,
                render_text(reply),
                render_buttons(reply),
                int(event_id),
                task.status in FINISHED,
            )
        )
    return edits, int(remembered)


def public_card(session: Session, task: Task, *, language: str, now: datetime, network: str) -> Reply:
    """The card as anyone in a group sees it: no private details, only the Claim button when free."""
    community = session.get_one(Community, task.community_id)
    nobody = Person(community_id=-1, name="", language=language)  # never added to the session
    inbound = Inbound(network=network, user_id="", display_name="", chat_id="", is_private_chat=False)
    ctx = Context(session, inbound, now, nobody, community)
    return card(ctx, task, None, lead=False)[0]


def card_refreshed(session: Session, edit: CardEdit) -> None:
    """The card now shows ``edit``: remember that, or forget the card of finished work."""
    if edit.final:
        forget_card(session, edit.card_id)
        return
    session.execute(
        update(PostedCard)
        .where(PostedCard.id == edit.card_id, PostedCard.seen_event_id < edit.event_id)
        .values(seen_event_id=edit.event_id)
    )


def forget_card(session: Session, card_id: int) -> None:
    """The card's message is gone (deleted, or too old to edit), or its work is finished."""
    session.execute(delete(PostedCard).where(PostedCard.id == card_id))
