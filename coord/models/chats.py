"""Notes a bot keeps on its chats: which are direct chats, who was told what there."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coord.clock import utcnow
from coord.models.base import Base, enum_column


class ChatNoteKind(enum.StrEnum):
    DIRECT = "direct"  # a direct chat between the bot and ``user_id`` ("" when not known)
    STRANGER_TOLD = "stranger_told"  # ``user_id``, not registered, was told here how to get an invite
    ENCRYPTED_TOLD = "encrypted_told"  # the room is encrypted, and was told the bot cannot read it


class ChatNote(Base):
    """One fact about a chat that its network does not keep for the bot. Notes are only ever added.

    Telegram says in every update whether a chat is private; Matrix does not, so the Matrix bot notes a
    room as direct when it is invited to one (``is_direct``) or opens one itself.
    """

    __tablename__ = "chat_note"
    __table_args__ = (UniqueConstraint("network", "chat_id", "kind", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[ChatNoteKind] = mapped_column(enum_column(ChatNoteKind))
    user_id: Mapped[str] = mapped_column(String(255), default="")
    noted_at: Mapped[datetime] = mapped_column(default=utcnow)
