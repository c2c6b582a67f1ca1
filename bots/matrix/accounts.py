"""The database questions the Matrix adapter asks about a Matrix user (synchronous; run in a thread)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord.db import transaction
from coord.models import ChatAccount, Person
from coord.services.people.directory import remember_direct_chat

NETWORK = "matrix"


@dataclass(frozen=True)
class Account:
    id: int
    direct_chat_id: str | None
    language: str


def account_of(factory: sessionmaker[Session], user_id: str) -> Account | None:
    """The active person's Matrix account of ``user_id``, if the user is linked."""
    with factory() as session:
        row = session.execute(
            select(ChatAccount.id, ChatAccount.dm_chat_id, Person.language)
            .join(Person, Person.id == ChatAccount.person_id)
            .where(
                ChatAccount.network == NETWORK,
                ChatAccount.external_id == user_id[:255],
                Person.active.is_(True),
            )
        ).first()
    return Account(row.id, row.dm_chat_id, row.language) if row is not None else None


def record_direct_chat(factory: sessionmaker[Session], account: Account, room_id: str) -> None:
    """Keep ``room_id`` as the person's direct chat: private details and reminders go there."""
    with transaction(factory) as session:
        remember_direct_chat(session, account.id, room_id)
