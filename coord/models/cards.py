"""Task cards posted in group chats, remembered so they can be edited in place as the task changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coord.clock import utcnow
from coord.models.base import Base


class PostedCard(Base):
    """The latest card of a task in one group chat: its message, language, and the last event it shows.

    A card is stale when the task has an event newer than ``seen_event_id``; refreshing it edits the
    message and moves ``seen_event_id`` on. One row per (chat, task): a newer card replaces the older.
    """

    __tablename__ = "posted_card"
    __table_args__ = (UniqueConstraint("network", "chat_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    seen_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)
