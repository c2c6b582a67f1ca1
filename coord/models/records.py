"""What happened and what must be said: the append-only event log and the notification outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from coord.clock import utcnow
from coord.models.base import Base, enum_column


class Event(Base):
    """One state change: who, when, what, from which channel. Never updated or deleted."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_community_at", "community_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # the person acted upon
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # will be tried again at next_attempt_at
    DEAD = "dead"  # gave up; shown in the daily summary


class Notification(Base):
    """A message to send after commit (the outbox). ``dedupe_key`` makes creating it idempotent."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)  # a direct message ...
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))  # ... or the team's group chats
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    msgid: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    private: Mapped[bool] = mapped_column(default=False)  # carries people data: direct message only
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # A send under way since this moment (committed before it starts, cleared with its outcome): still set
    # when a worker or the bot died mid-send, so the next attempt knows the outcome is unknown (invariant 10).
    sending_since: Mapped[datetime | None]
    repeated: Mapped[bool] = mapped_column(default=False)  # its one marked repeat went out (or was tried)
    repeat_until: Mapped[datetime | None]  # a reminder or alert: not repeated after this moment


@event.listens_for(Session, "before_flush")
def _events_are_append_only(session: Session, _context: object, _instances: object) -> None:
    """The audit log is append-only (invariant 6): refuse to flush a changed or deleted event."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Event) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("events are append-only")
