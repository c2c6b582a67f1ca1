"""Where the work happens: a community, its zones and grids, its places and households."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coord.clock import utcnow
from coord.models.base import Base, enum_column

if TYPE_CHECKING:
    from coord.models.people import Person


class AreaKind(enum.StrEnum):
    ZONE = "zone"  # 片区
    GRID = "grid"  # 网格


class PlaceKind(enum.StrEnum):
    BUILDING = "building"  # 楼栋
    GATE = "gate"  # 卡口 / 门岗
    DEPOT = "depot"  # 物资分发点 / 储运点
    DROP_POINT = "drop_point"  # 快递临时接收点
    DESK = "desk"  # 线下预定点


class WatchColour(enum.StrEnum):
    """The four-colour watch list (四色标示法) for returnees."""

    RED = "red"
    YELLOW = "yellow"
    BLUE = "blue"
    GREEN = "green"


class Community(Base):
    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Shanghai")
    language: Mapped[str] = mapped_column(String(8), default="en")
    summary_time: Mapped[time] = mapped_column(default=time(20, 0))
    service_standard: Mapped[str] = mapped_column(Text, default="")
    requires_health_declaration: Mapped[bool] = mapped_column(default=False)
    #: A green household (low risk) is called back every this many days (DOMAIN.md, four colours).
    green_call_days: Mapped[int] = mapped_column(default=3, server_default=text("3"))
    #: Where a phone number written without its country code is read (ISO 3166: CN, DE); numbers are
    #: stored in E.164 (coord.services.people.phones).
    phone_region: Mapped[str] = mapped_column(String(2), default="CN", server_default=text("'CN'"))
    #: The community's party secretary (one of its coordinators): a red household's follow-up goes to them.
    party_secretary_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", use_alter=True))
    #: The community's first day of work: "since the start" in its reports counts from here (else from its
    #: first task).
    started_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Area(Base):
    """A zone (片区) or a grid (网格); grids sit inside zones."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    kind: Mapped[AreaKind] = mapped_column(enum_column(AreaKind))
    name: Mapped[str] = mapped_column(String(120))
    # 一长三员: a grid's leader and its returnee registrar, temperature-check medic and supplies buyer, who
    # hear the escalations of work at the grid's places as well as the captain (DOMAIN.md).
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    registrar_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    medic_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    parent: Mapped[Area | None] = relationship(remote_side=[id])

    @property
    def grid_people(self) -> list[int]:
        """The ids of the grid's leader and three roles (一长三员) who are named, once each."""
        named = (self.leader_id, self.registrar_id, self.medic_id, self.buyer_id)
        return list(dict.fromkeys(p for p in named if p is not None))


class Place(Base):
    """A building, gate, depot, parcel drop point or ordering desk."""

    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind))
    name: Mapped[str] = mapped_column(String(120))
    floors: Mapped[int | None]
    units: Mapped[int | None]

    area: Mapped[Area | None] = relationship()


class Household(Base):
    """A household (户). Its contact details and health data are private (DESIGN.md invariant 7).

    Under watch (``watch_colour`` set) it has a named responsible person (``watch_lead``; for blue also a
    doctor or medic, ``watch_medic``), the reason for its colour, and its follow-up as a time-based duty:
    ``watch_due_at`` is when the scheduler tick next looks at it, ``watch_token`` fences a run that a
    colour change (or an earlier run) has overtaken (coord.services.watch).
    """

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("building_id", "unit", "room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20), default="")
    room: Mapped[str] = mapped_column(String(20))
    elderly: Mapped[bool] = mapped_column(default=False)
    lives_alone: Mapped[bool] = mapped_column(default=False)
    disabled: Mapped[bool] = mapped_column(default=False)
    watch_colour: Mapped[WatchColour | None] = mapped_column(enum_column(WatchColour))
    quarantine_until: Mapped[date | None]
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    watch_reason: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    watch_set_at: Mapped[datetime | None]
    watch_lead_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    watch_medic_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    watch_due_at: Mapped[datetime | None] = mapped_column(index=True)
    watch_token: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    building: Mapped[Place] = relationship()
    watch_lead: Mapped[Person | None] = relationship(foreign_keys=[watch_lead_id])
    watch_medic: Mapped[Person | None] = relationship(foreign_keys=[watch_medic_id])

    @property
    def address(self) -> str:
        """Building, unit and room, e.g. ``12-3-402``; private."""
        parts = [self.building.name, self.unit, self.room]
        return "-".join(p for p in parts if p)
