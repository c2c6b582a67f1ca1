"""``ChatStore``: everything a chat adapter asks of the core, over the session factory it is built from.

An adapter answers messages through it and keeps what it must remember of its chats there (task cards
posted in groups, direct chats, who was told what): in the database, the one source of truth, never in a
table or file of its own. The entry point builds it; adapters never see a session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import group_cards, team_chats
from coord.chat.group_cards import CardEdit
from coord.chat.handler import handle_safely
from coord.chat.port import Inbound, Reply
from coord.clock import utcnow
from coord.db import insert_new, transaction
from coord.metrics import COMMANDS
from coord.models import ChatNote, ChatNoteKind
from coord.services.outbox.notifications import release_reply, settle_reply
from coord.services.people.directory import remember_direct_chat, speaker

__all__ = ["Account", "CardEdit", "ChatNoteKind", "ChatStore", "SessionFactory"]

NOTE_KEY = ("network", "chat_id", "kind", "user_id")

#: What a ``ChatStore`` is built from: the entry point's session factory (``coord.db.make_session_factory``).
SessionFactory = sessionmaker[Session]


@dataclass(frozen=True)
class Account:
    """A linked person's account on a network: its id, the direct chat with the bot, the person's language."""

    id: int
    direct_chat_id: str | None
    language: str


class ChatStore:
    """What adapters may ask: answers to what people say, who is behind an account, and the chats' notes.

    Every method opens its own transaction and blocks: an asynchronous adapter runs it in a thread.
    """

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory

    def answer(self, inbound: Inbound, *, now: datetime | None = None) -> list[Reply]:
        """The conversation layer's replies to one message or button press (see ``handle_safely``)."""
        with COMMANDS.labels(inbound.network).time():
            return handle_safely(inbound, session_factory=self._factory, now=now)

    def reply_sent(self, reply: Reply, *, now: datetime | None = None) -> None:
        """``reply`` went out: the outbox notification it carries (``Reply.settles``) is sent."""
        if reply.settles:
            with transaction(self._factory) as session:
                settle_reply(session, dedupe_key=reply.settles, now=now or utcnow())

    def reply_not_sent(self, reply: Reply, *, now: datetime | None = None) -> None:
        """``reply`` could not be sent: delivery takes the notification it carries over at once."""
        if reply.settles:
            with transaction(self._factory) as session:
                release_reply(session, dedupe_key=reply.settles, now=now or utcnow())

    # ---- people ---------------------------------------------------------------------------------------

    def account(self, network: str, user_id: str) -> Account | None:
        """The active person's account of ``user_id`` on ``network``, if the user is linked."""
        with self._factory() as session:
            found = speaker(session, network[:20], user_id[:255], "")
            if found is None:
                return None
            return Account(found.account_id, found.direct_chat_id, found.person.language)

    def direct_chat_opened(
        self, network: str, chat_id: str, *, user_id: str, account: Account | None
    ) -> None:
        """The bot opened a direct chat with ``user_id``: a linked person's private details and reminders
        go there from now on."""
        with transaction(self._factory) as session:
            _note(session, network, [(chat_id, ChatNoteKind.DIRECT, user_id)])
            if account is not None:
                remember_direct_chat(session, account.id, chat_id[:255])

    # ---- group chats the bot is added to or leaves -----------------------------------------------------

    def bot_joined(self, inbound: Inbound, *, now: datetime | None = None) -> list[Reply]:
        """The bot was added to the group ``inbound.chat_id`` by ``inbound.user_id``: what to say there.
        A stranger who adds it is told how to join, once per chat."""
        with transaction(self._factory) as session:
            network, chat_id, user_id = inbound.network[:20], inbound.chat_id[:255], inbound.user_id[:255]
            if speaker(session, network, user_id, chat_id) is None:
                if _noted(session, network, chat_id, ChatNoteKind.STRANGER_TOLD, user_id):
                    return []
                _note(session, network, [(chat_id, ChatNoteKind.STRANGER_TOLD, user_id)])
            return team_chats.greeting(session, inbound, now or utcnow())

    def bot_left(self, network: str, chat_id: str, *, by_user: str = "", now: datetime | None = None) -> None:
        """The bot left the group or was removed from it (by ``by_user``): it is no team's chat any more."""
        with transaction(self._factory) as session:
            team_chats.bot_left(
                session, network=network, chat_id=chat_id, by_user=by_user, now=now or utcnow()
            )

    def chat_moved(
        self, network: str, old_chat_id: str, new_chat_id: str, *, now: datetime | None = None
    ) -> None:
        """The group has a new id (Telegram: upgraded to a supergroup); a team's link follows it."""
        with transaction(self._factory) as session:
            team_chats.chat_moved(
                session,
                network=network,
                old_chat_id=old_chat_id,
                new_chat_id=new_chat_id,
                now=now or utcnow(),
            )

    # ---- notes on chats -------------------------------------------------------------------------------

    def noted(self, network: str, chat_id: str, kind: ChatNoteKind, user_id: str | None = None) -> bool:
        """Whether the chat has a note of ``kind`` (about ``user_id``, when given)."""
        with self._factory() as session:
            return _noted(session, network, chat_id, kind, user_id)

    def note(self, network: str, chat_id: str, kind: ChatNoteKind, user_id: str = "") -> None:
        """Keep a note on the chat (a second note of the same is a no-op)."""
        self.note_all(network, [(chat_id, kind, user_id)])

    def note_all(self, network: str, notes: Iterable[tuple[str, ChatNoteKind, str]]) -> None:
        """Keep several notes ``(chat_id, kind, user_id)`` at once (those already kept are left alone)."""
        with transaction(self._factory) as session:
            _note(session, network, notes)

    # ---- task cards in group chats ----------------------------------------------------------------------

    def remember_card(
        self, *, network: str, chat_id: str, message_id: str, task_id: int, language: str
    ) -> None:
        """Remember the card just posted in a group chat (it replaces an older card of the task there)."""
        try:
            with transaction(self._factory) as session:
                group_cards.remember_card(
                    session,
                    network=network,
                    chat_id=chat_id,
                    message_id=message_id,
                    task_id=task_id,
                    language=language,
                )
        except IntegrityError:
            pass  # the same card posted twice at once: the other one is remembered

    def stale_cards(self, *, network: str, now: datetime) -> tuple[list[CardEdit], int]:
        """The cards to edit, each with what it should now say; and how many cards are remembered."""
        with transaction(self._factory) as session:
            return group_cards.stale_cards(session, network=network, now=now)

    def card_refreshed(self, edit: CardEdit) -> None:
        """The card now shows ``edit``: remember that, or forget the card of finished work."""
        with transaction(self._factory) as session:
            group_cards.card_refreshed(session, edit)

    def forget_card(self, card_id: int) -> None:
        """The card's message is gone (deleted, or too old to edit)."""
        with transaction(self._factory) as session:
            group_cards.forget_card(session, card_id)


def _noted(session: Session, network: str, chat_id: str, kind: ChatNoteKind, user_id: str | None) -> bool:
    query = select(ChatNote.id).where(
        ChatNote.network == network[:20], ChatNote.chat_id == chat_id[:255], ChatNote.kind == kind
    )
    if user_id is not None:
        query = query.where(ChatNote.user_id == user_id[:255])
    return session.scalar(query.limit(1)) is not None


def _note(session: Session, network: str, notes: Iterable[tuple[str, ChatNoteKind, str]]) -> None:
    rows = [
        {"network": network[:20], "chat_id": chat_id[:255], "kind": kind, "user_id": user_id[:255]}
        for chat_id, kind, user_id in notes
    ]
    if rows:
        session.execute(insert_new(session, ChatNote, unique=NOTE_KEY), rows)
