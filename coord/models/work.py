"""The work: tasks, the slots people hold in them, and templates for recurring work."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coord.clock import utcnow
from coord.models.base import Base, enum_column
from coord.models.community import Household, Place, WatchColour
from coord.models.people import Person, Team


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    FULL = "full"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Priority(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class AssignmentState(enum.StrEnum):
    CLAIMED = "claimed"
    CHECKED_IN = "checked_in"
    DONE = "done"
    RELEASED = "released"
    NO_SHOW = "no_show"
    REASSIGNED = "reassigned"
    CANCELLED = "cancelled"


#: States in which an assignment holds one of the task's slots.
HOLDING_STATES = (AssignmentState.CLAIMED, AssignmentState.CHECKED_IN, AssignmentState.DONE)
#: States in which the work is still to be done by its holder.
ACTIVE_STATES = (AssignmentState.CLAIMED, AssignmentState.CHECKED_IN)


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint("filled >= 0 AND filled <= capacity", name="filled_within_capacity"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        UniqueConstraint("template_id", "occurrence_key"),
        Index("ix_task_community_status", "community_id", "status"),
        Index("ix_task_escalation_due", "escalation_due_at"),
        Index("ix_task_starts_at", "starts_at"),
        Index("ix_task_due_at", "due_at"),
        # A household's follow-up under watch (coord.services.watch) is made once a day: one live task per
        # key ("watch:<household>:<day>:call"), however often the duty runs; a cancelled one frees its key.
        Index(
            "uq_task_watch_occurrence",
            "occurrence_key",
            unique=True,
            sqlite_where=text("template_id IS NULL AND occurrence_key IS NOT NULL AND status <> 'cancelled'"),
            postgresql_where=text(
                "template_id IS NULL AND occurrence_key IS NOT NULL AND status <> 'cancelled'"
            ),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    public_details: Mapped[str] = mapped_column(Text, default="")
    private_details: Mapped[str] = mapped_column(Text, default="")  # address, phone, health: assignee only
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    starts_at: Mapped[datetime | None]  # a shift window ...
    ends_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]  # ... or a deadline
    capacity: Mapped[int] = mapped_column(default=1)
    filled: Mapped[int] = mapped_column(default=0)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("template.id"))
    occurrence_key: Mapped[str | None] = mapped_column(String(80))
    #: The task this one came from: a delivery or purchase made from what a check-in call found was needed.
    origin_task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    #: Work recorded after the day it happened (from paper): closed when made, never reminded or escalated.
    entered_afterwards: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: When retention purged the private details (and their copies in notifications): none are shown after.
    details_purged_at: Mapped[datetime | None]
    # Escalation state (DESIGN.md invariant 3): the policy frozen when escalation starts,
    # the next step, when it is due, and the fencing token a step must match to run.
    escalation_policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    escalation_step: Mapped[int] = mapped_column(default=0)
    escalation_due_at: Mapped[datetime | None]
    escalation_token: Mapped[int] = mapped_column(default=0)

    place: Mapped[Place | None] = relationship()
    household: Mapped[Household | None] = relationship()
    team: Mapped[Team | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(back_populates="task", order_by="Assignment.id")

    @property
    def slots_left(self) -> int:
        return self.capacity - self.filled

    @staticmethod
    def escalation_stopped() -> dict[str, Any]:
        """What an UPDATE of tasks sets to stop the escalation under way: no rung due, and the fencing token
        moved on, so a step already in flight does nothing (DESIGN.md invariant 3). The only place that
        says how; the next scheduler tick re-arms what still needs a ladder."""
        return {"escalation_due_at": None, "escalation_token": Task.escalation_token + 1}

    @property
    def has_private_details(self) -> bool:
        """Whether the task carries what only its holders and leads may read: a private note, or a
        household (whose address, phone and health go with it)."""
        return bool(self.private_details) or self.household_id is not None


class Assignment(Base):
    """One person's slot in a task."""

    __tablename__ = "assignment"
    __table_args__ = (
        # One person holds at most one slot of a task (DESIGN.md invariant 4).
        Index(
            "uq_assignment_holder",
            "task_id",
            "person_id",
            unique=True,
            sqlite_where=text("state IN ('claimed', 'checked_in', 'done')"),
            postgresql_where=text("state IN ('claimed', 'checked_in', 'done')"),
        ),
        Index("ix_assignment_person_state", "person_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    state: Mapped[AssignmentState] = mapped_column(
        enum_column(AssignmentState), default=AssignmentState.CLAIMED
    )
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    #: Hours served as entered, confirmed from the shift window or corrected; None: check-in to done.
    hours: Mapped[float | None]

    task: Mapped[Task] = relationship(back_populates="assignments")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Template(Base):
    """Recurring work: an RFC 5545 rule times a set of targets (places or households)."""

    __tablename__ = "template"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))  # may use {place} and {date}
    public_details: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    rrule: Mapped[str] = mapped_column(String(255))  # e.g. FREQ=DAILY;BYHOUR=8,14,20;BYMINUTE=0
    starts_on: Mapped[date]  # first day, in the community's timezone
    until: Mapped[date | None]
    duration_minutes: Mapped[int | None]  # shift length: a window [start, start + duration)
    due_minutes: Mapped[int | None]  # or a deadline this long after the occurrence
    capacity: Mapped[int] = mapped_column(default=1)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Targets: one place, every place of a kind in an area, or every household of a watch colour.
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    place_kind: Mapped[str | None] = mapped_column(String(24))
    household_colour: Mapped[WatchColour | None] = mapped_column(enum_column(WatchColour))
    active: Mapped[bool] = mapped_column(default=True)
    materialised_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
