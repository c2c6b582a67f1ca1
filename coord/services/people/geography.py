"""Places and areas kept by coordinators after they are added: listed, edited and removed.

A place or area still referred to (by tasks, households, recurring work, teams, places or grids inside it) is
not removed: the refusal says what refers to it, and nothing changes. Every change is recorded as an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Area, AreaKind, Community, Household, Person, Place, PlaceKind, Task, Team, Template
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_coordinator

MAX_NAME = 120
KEEP: Any = object()
"""An argument of an edit left as it is (``area=None`` takes a place out of its area)."""


@dataclass(frozen=True)
class PlaceUses:
    tasks: int
    households: int
    templates: int

    @property
    def any(self) -> bool:
        return bool(self.tasks or self.households or self.templates)


@dataclass(frozen=True)
class AreaUses:
    places: int
    grids: int
    teams: int
    templates: int

    @property
    def any(self) -> bool:
        return bool(self.places or self.grids or self.teams or self.templates)


def list_places(session: Session, *, actor: Actor, community: Community) -> list[Place]:
    """The community's places, by area and name."""
    require_coordinator(session, actor, community.id)
    return list(
        session.scalars(
            select(Place)
            .where(Place.community_id == community.id)
            .order_by(Place.area_id.is_(None), Place.area_id, Place.name)
        )
    )


def list_areas(session: Session, *, actor: Actor, community: Community) -> list[Area]:
    """The community's zones, each followed by its grids."""
    require_coordinator(session, actor, community.id)
    areas = session.scalars(select(Area).where(Area.community_id == community.id).order_by(Area.name)).all()
    zones = [a for a in areas if a.parent_id is None]
    ordered: list[Area] = []
    for zone in zones:
        ordered += [zone, *(a for a in areas if a.parent_id == zone.id)]
    return ordered + [a for a in areas if a not in ordered]


def place_uses(session: Session, place: Place) -> PlaceUses:
    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return PlaceUses(
        tasks=count(Task, Task.place_id == place.id),
        households=count(Household, Household.building_id == place.id),
        templates=count(Template, Template.place_id == place.id),
    )


def area_uses(session: Session, area: Area) -> AreaUses:
    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return AreaUses(
        places=count(Place, Place.area_id == area.id),
        grids=count(Area, Area.parent_id == area.id),
        teams=count(Team, Team.area_id == area.id),
        templates=count(Template, Template.area_id == area.id),
    )


def edit_place(
    *,
    session: Session,
    actor: Actor,
    place: Place,
    name: str | None = None,
    kind: PlaceKind | None = None,
    area: Any = KEEP,
    floors: Any = KEEP,
    units: Any = KEEP,
    now: datetime | None = None,
) -> list[str]:
    """Change a place's name, kind, area, floors or units; the names of the fields changed. A place with
    households stays a building; the new name must be free."""
    require_coordinator(session, actor, place.community_id)
    changes: dict[str, Any] = {}
    if name is not None:
        new_name = _name(name, N_("place name"))
        if new_name != place.name:
            _free(session, Place, place.community_id, new_name, place.id)
            changes["name"] = new_name
    if kind is not None and kind != place.kind:
        if place.kind == PlaceKind.BUILDING and place_uses(session, place).households:
            raise InvalidInput(
                N_("Households live in “{name}”: it stays a building. Nothing was changed."), name=place.name
            )
        changes["kind"] = kind
    if area is not KEEP:
        if area is not None and area.community_id != place.community_id:
            raise InvalidInput(N_("There is no zone or grid called “{name}”."), name=area.name)
        if (area.id if area else None) != place.area_id:
            changes["area_id"] = area.id if area else None
    for field, value in (("floors", floors), ("units", units)):
        if value is not KEEP and value != getattr(place, field):
            if value is not None and not 1 <= value <= 200:
                raise InvalidInput(N_("Floors and units are counted from 1 to 200."))
            changes[field] = value
    return _apply(session, actor, place, changes, "place", now)


def remove_place(*, session: Session, actor: Actor, place: Place, now: datetime | None = None) -> None:
    """Remove a place nothing refers to; one still used is refused, saying by what."""
    require_coordinator(session, actor, place.community_id)
    uses = place_uses(session, place)
    if uses.any:
        raise InvalidInput(
            N_(
                "“{name}” is still used by tasks ({tasks}), households ({households}) and recurring plans "
                "({templates}), so it was not removed. Nothing was changed."
            ),
            name=place.name,
            tasks=uses.tasks,
            households=uses.households,
            templates=uses.templates,
        )
    _remove(session, actor, place, "place", now)


def edit_area(
    *,
    session: Session,
    actor: Actor,
    area: Area,
    name: str | None = None,
    parent: Any = KEEP,
    now: datetime | None = None,
) -> list[str]:
    """Rename a zone or grid, or move a grid to another zone; the names of the fields changed."""
    require_coordinator(session, actor, area.community_id)
    changes: dict[str, Any] = {}
    if name is not None:
        new_name = _name(name, N_("area name"))
        if new_name != area.name:
            _free(session, Area, area.community_id, new_name, area.id)
            changes["name"] = new_name
    if parent is not KEEP and (parent.id if parent else None) != area.parent_id:
        if area.kind != AreaKind.GRID:
            raise InvalidInput(N_("Only a grid sits inside a zone. Nothing was changed."))
        if parent is None or parent.kind != AreaKind.ZONE or parent.community_id != area.community_id:
            raise InvalidInput(N_("A grid sits inside a zone: name the zone it is in."))
        changes["parent_id"] = parent.id
    return _apply(session, actor, area, changes, "area", now)


def remove_area(*, session: Session, actor: Actor, area: Area, now: datetime | None = None) -> None:
    """Remove a zone or grid nothing refers to; one still used is refused, saying by what."""
    require_coordinator(session, actor, area.community_id)
    uses = area_uses(session, area)
    if uses.any:
        raise InvalidInput(
            N_(
                "“{name}” still has places ({places}), grids ({grids}), teams ({teams}) and recurring plans "
                "({templates}), so it was not removed. Nothing was changed."
            ),
            name=area.name,
            places=uses.places,
            grids=uses.grids,
            teams=uses.teams,
            templates=uses.templates,
        )
    _remove(session, actor, area, "area", now)


def _name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(N_("The {what} cannot be empty."), what=what)
    if len(value) > MAX_NAME:
        raise InvalidInput(N_("The {what} is too long (at most 120 characters)."), what=what)
    return value


def _free(session: Session, model: Any, community_id: int, name: str, own_id: int) -> None:
    taken = session.scalar(
        select(model.id).where(model.community_id == community_id, model.name == name, model.id != own_id)
    )
    if taken is not None:
        raise InvalidInput(N_("“{name}” exists already in this community."), name=name[:60])


#: The roles of 一长三员 a grid names: leader, returnee registrar, temperature-check medic, supplies buyer.
GRID_ROLES = ("leader", "registrar", "medic", "buyer")


def set_grid_roles(
    *,
    session: Session,
    actor: Actor,
    area: Area,
    roles: dict[str, Person | None],
    now: datetime | None = None,
) -> list[str]:
    """Name (or, with None, clear) a grid's leader, registrar, medic and buyer (一长三员); the roles changed.
    Each named person is an active member of the grid's community."""
    require_coordinator(session, actor, area.community_id)
    if area.kind != AreaKind.GRID:
        raise InvalidInput(
            N_("“{name}” is a zone: a grid has a leader and three roles. Nothing was changed."),
            name=area.name,
        )
    unknown = sorted(set(roles) - set(GRID_ROLES))
    if unknown:
        raise InvalidInput(
            N_("A grid's roles are leader, registrar, medic and buyer, not “{role}”. Nothing was changed."),
            role=unknown[0][:30],
        )
    for person in roles.values():
        if person is not None and (person.community_id != area.community_id or not person.active):
            raise InvalidInput(
                N_("{name} is not an active member of this community. Nothing was changed."), name=person.name
            )
    changed = []
    for role, person in roles.items():
        value = person.id if person else None
        if getattr(area, f"{role}_id") != value:
            setattr(area, f"{role}_id", value)
            changed.append(role)
    if changed:
        session.flush()
        record_event(
            session,
            at=now or utcnow(),
            actor=actor,
            action="grid_roles_set",
            community_id=area.community_id,
            area_id=area.id,
            roles={role: getattr(area, f"{role}_id") for role in changed},
        )
    return changed


def _apply(
    session: Session,
    actor: Actor,
    thing: Place | Area,
    changes: dict[str, Any],
    what: str,
    now: datetime | None,
) -> list[str]:
    """Set the changed fields of a place or area and record it (``place_edited``/``area_edited``)."""
    for field, value in changes.items():
        setattr(thing, field, value)
    if changes:
        session.flush()
        record_event(
            session,
            at=now or utcnow(),
            actor=actor,
            action=f"{what}_edited",
            community_id=thing.community_id,
            fields=sorted(changes),
            **_id_of(thing, what),
        )
    return sorted(changes)


def _remove(session: Session, actor: Actor, thing: Place | Area, what: str, now: datetime | None) -> None:
    """Remove a place or area nothing refers to, recorded as ``place_removed`` or ``area_removed``."""
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action=f"{what}_removed",
        community_id=thing.community_id,
        name=thing.name,
        **_id_of(thing, what),
    )
    session.delete(thing)
    session.flush()


def _id_of(thing: Place | Area, what: str) -> dict[str, Any]:
    """The event's ``place_id`` or ``area_id``."""
    return {f"{what}_id": thing.id}
