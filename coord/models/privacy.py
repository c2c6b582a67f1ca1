"""Privacy (issue 19): the record of every read of private details, households a coordinator keeps, and
failed invite redemptions.

A ``PrivateRead`` row is one person's read of one household's, task's or person's private details
(address, phone, health, watch colour), through one channel: a chat reply, a direct message a worker sent,
a board page, an export, the CLI. Written by ``coord.services.privacy.reads.record_read`` only; never
updated. Retention (``coord.services.privacy.retention``) purges the details, never these rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coord.clock import utcnow
from coord.models.base import Base


class PrivateRead(Base):
    """Who read whose private details, when, and through which channel."""

    __tablename__ = "private_read"
    __table_args__ = (
        Index("ix_private_read_household", "household_id", "at"),
        Index("ix_private_read_reader", "reader_id", "at"),
        Index("ix_private_read_person", "person_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # None: the operator's CLI
    channel: Mapped[str] = mapped_column(String(20))  # chat, direct_message, board, export, cli, ...
    what: Mapped[str] = mapped_column(String(24))  # household, watch_list, search, task, phone
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # whose phone was read


class KeptHousehold(Base):
    """A household whose watch-list details a coordinator keeps past retention (the reason said)."""

    __tablename__ = "kept_household"

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)
    kept_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    kept_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class InviteFailure(Base):
    """A failed invite code redemption by a chat account: counted to slow down and then refuse guessing
    (``coord.services.privacy.guessing``)."""

    __tablename__ = "invite_failure"
    __table_args__ = (
        Index("ix_invite_failure_account", "network", "external_id", "at"),
        Index("ix_invite_failure_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(default=utcnow)
