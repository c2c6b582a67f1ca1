"""Residents' requests (群众点单、社区跑腿): what a household asked for, and the runs that bring it.

A request is one record from the order to the doorstep, whichever way it came in (a resident's chat, the
offline desk, a captain, a check-in call). Medicine goes at once as a purchase task; the rest waits for the
community's group-buy cut-off (``RequestSettings``), a time-based duty row (``RequestCutoff``) the scheduler
tick finds, which makes one ``RequestRun`` per building (or grid): a purchase task with the totals for the
buyer and a delivery task with the per-household pick list for the runner.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coord.clock import utcnow
from coord.models.base import Base, enum_column
from coord.models.community import Household
from coord.models.people import Person


class RequestChannel(enum.StrEnum):
    CHAT = "chat"  # the resident, in a direct chat
    DESK = "desk"  # the offline ordering desk (线下预定点)
    CAPTAIN = "captain"  # a captain or coordinator typed it
    CALL = "call"  # what a check-in call found was needed (家里缺什么)


class RequestStatus(enum.StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"  # bought at once (medicine) or put on a run
    ON_THE_WAY = "on_the_way"  # someone took the work
    DELIVERED = "delivered"
    NOT_AT_HOME = "not_at_home"  # waits for the next run
    RETRIED = "retried"  # put on a later run after nobody was at home
    REFUSED = "refused"
    CANCELLED = "cancelled"


#: A request still to be brought.
OPEN_REQUEST_STATES = (
    RequestStatus.RECEIVED,
    RequestStatus.ACCEPTED,
    RequestStatus.ON_THE_WAY,
    RequestStatus.NOT_AT_HOME,
    RequestStatus.RETRIED,
)
#: A request the next cut-off puts on a run.
WAITING_STATES = (RequestStatus.RECEIVED, RequestStatus.NOT_AT_HOME)


class RunScope(enum.StrEnum):
    BUILDING = "building"
    GRID = "grid"


class RequestSettings(Base):
    """A community's group-buy settings; a community without a row uses the defaults."""

    __tablename__ = "request_settings"

    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), primary_key=True)
    cutoff: Mapped[time] = mapped_column(default=time(20, 0))  # local time orders close for the next run
    scope: Mapped[RunScope] = mapped_column(enum_column(RunScope), default=RunScope.BUILDING)
    overdue_hours: Mapped[int] = mapped_column(default=36)  # an open request older than this is overdue
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))  # who takes the runs and purchases
    run_due_hour: Mapped[int] = mapped_column(default=12)  # runs are due by this hour the next morning


class BuildingCode(Base):
    """The household invite of a building, printed on its door as a QR code / deep link."""

    __tablename__ = "building_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("place.id"), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Resident(Base):
    """A person who orders for a household: joined with the building's code (``building_id``), then names
    the unit and room (``household_id``); confirmed by a volunteer or the phone on file before ordering."""

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("place.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household | None] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class RequestRun(Base):
    """One group-buy run of a building (or grid) made at a cut-off: a buy task and a delivery task."""

    __tablename__ = "request_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    cutoff_id: Mapped[int] = mapped_column(ForeignKey("request_cutoff.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    label: Mapped[str] = mapped_column(String(120))
    buy_task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    run_task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    totals: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[item, unit, quantity], ...]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestCutoff(Base):
    """The group-buy cut-off of a community on a day: a duty row with a due time (``run_at`` is its lease)."""

    __tablename__ = "request_cutoff"
    __table_args__ = (
        UniqueConstraint("community_id", "day"),
        Index("ix_request_cutoff_due", "done", "run_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    day: Mapped[date]
    due_at: Mapped[datetime]
    run_at: Mapped[datetime]
    done: Mapped[bool] = mapped_column(default=False)
    finished_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(default=0)


class HouseholdRequest(Base):
    """One household's request, from the order to the doorstep. Every change is also an event."""

    __tablename__ = "household_request"
    __table_args__ = (Index("ix_household_request_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("place.id"))
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[item, unit, quantity], ...]
    items_key: Mapped[str] = mapped_column(String(500))  # the item names, normalised: finds duplicates
    urgent: Mapped[bool] = mapped_column(default=False)  # medicine
    heavy: Mapped[int] = mapped_column(default=0)  # heavy items (rice, flour, oil, water) carried up
    channel: Mapped[RequestChannel] = mapped_column(enum_column(RequestChannel))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # told on their own chat
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), default=RequestStatus.RECEIVED)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("household_request.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)  # bought at once
    run_id: Mapped[int | None] = mapped_column(ForeignKey("request_run.id"), index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # runs it has been on
    note: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    on_the_way_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # delivered, refused or cancelled
    receipt_confirmed_at: Mapped[datetime | None]

    household: Mapped[Household] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATES
