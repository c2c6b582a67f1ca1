"""What happens because time passes: escalation policies, duties, daily summaries, delivery receipts.

Every time-based duty is a row with a due time (DESIGN.md invariant 1). Per-task duties (reminders,
unfilled-shift alerts, auto-assignment, no-show detection, escalation) walk the ladder frozen on the
task (``Task.escalation_*``); community-wide duties (the daily summary, materialising recurring work)
are ``Duty`` rows.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from coord.clock import utcnow
from coord.models.base import Base, enum_column
from coord.models.work import Assignment, Task

#: ``Task.escalation_step`` once the ladder has no rung left (the task is then never armed again).
LADDER_FINISHED = 10_000

#: Active tasks whose ladder is not armed: never started, or paused by a claim, check-in or completion.
#: The tick arms them; the partial index keeps that lookup small however many tasks the database holds.
Index(
    "ix_task_escalation_armable",
    Task.id,
    sqlite_where=text(
        "escalation_due_at IS NULL AND escalation_step < 10000 AND status IN ('open', 'full', 'in_progress')"
    ),
    postgresql_where=text(
        "escalation_due_at IS NULL AND escalation_step < 10000 AND status IN ('open', 'full', 'in_progress')"
    ),
)

#: The daily summary counts facts by the moment they ended (a day's work, a no-show).
Index("ix_assignment_ended_at", Assignment.ended_at)

#: The tick finds shifts whose end has just passed (``coord.services.schedule.shift_ends``).
Index("ix_task_ends_at", Task.ends_at)

ANY_POLICY = "*"  # an escalation policy for every kind or every priority


class EscalationPolicy(Base):
    """A community's ladder for a kind of work and a priority (``*`` = any), frozen onto a task.

    ``steps`` is a list of rungs (see ``coord.services.escalation.ladder.Rung``): when (an anchor and an
    offset in minutes), on which condition, what to do, and to whom.
    """

    __tablename__ = "escalation_policy"
    __table_args__ = (UniqueConstraint("community_id", "kind", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default=ANY_POLICY)
    priority: Mapped[str] = mapped_column(String(24), default=ANY_POLICY)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class DutyKind(enum.StrEnum):
    DAILY_SUMMARY = "daily_summary"
    MATERIALISE = "materialise"
    SHIFT_END = "shift_end"  # a shift's end has passed: its holders at work are finished by it
    PRIVACY_PURGE = "privacy_purge"  # private details past retention are purged (coord.services.privacy)


class DutyStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"


class Duty(Base):
    """A duty due at a moment (community-wide, or about one task); ``run_at`` is when the tick may
    (re)dispatch it (a lease)."""

    __tablename__ = "duty"
    __table_args__ = (Index("ix_duty_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DutyKind] = mapped_column(enum_column(DutyKind))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    day: Mapped[date | None]
    #: The task a per-task duty is about (the end of a shift); one such duty per task.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), unique=True)
    due_at: Mapped[datetime]
    run_at: Mapped[datetime]
    status: Mapped[DutyStatus] = mapped_column(enum_column(DutyStatus), default=DutyStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")


class DailySummary(Base):
    """The figures a community office reports for one day, computed once from facts at ``as_of``."""

    __tablename__ = "daily_summary"
    __table_args__ = (UniqueConstraint("community_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    day: Mapped[date]
    period_start: Mapped[datetime]
    as_of: Mapped[datetime]
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """A receipt: notification ``notification_id`` reached chat ``chat_id`` on ``network``."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("notification_id", "network", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), index=True)
    network: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(255))
    message_ref: Mapped[str] = mapped_column(String(255), default="")
    attempt: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
