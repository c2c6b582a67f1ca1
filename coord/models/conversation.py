"""A guided conversation under way in a chat: which flow, which step, what has been collected so far."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coord.clock import utcnow
from coord.models.base import Base


class Conversation(Base):
    """One person's multi-step exchange with the bot in one chat; gone when finished, stopped or expired."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("network", "user_id", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(255))
    chat_id: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    flow: Mapped[str] = mapped_column(String(24))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
