"""Communities and their geography: zones, grids, places and households."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_, normalise_language
from coord.models import Area, AreaKind, Community, Household, Place, PlaceKind, WatchColour, as_id
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_coordinator
from coord.services.people.phones import NOT_A_REGION, e164, is_region


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "community"


def create_community(
    *,
    session: Session,
    actor: Actor,
    name: str,
    slug: str | None = None,
    timezone: str = "Asia/Shanghai",
    language: str = "en",
    summary_time: time = time(20, 0),
    service_standard: str = "",
    requires_health_declaration: bool = False,
    now: datetime | None = None,
) -> Community:
    if not actor.is_system:
        raise InvalidInput(N_("Communities are created by the operator with the coord command."))
    name = _required(name, N_("community name"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            N_("Unknown timezone “{value}”; use a name such as Asia/Shanghai."), value=timezone
        ) from None
    slug = slugify(slug or name)
    if session.scalar(select(Community.id).where(Community.slug == slug)):
        raise InvalidInput(N_("A community called “{name}” exists already."), name=slug)
    community = Community(
        name=name,
        slug=slug,
        timezone=timezone,
        language=normalise_language(language),
        summary_time=summary_time,
        service_standard=service_standard,
        requires_health_declaration=requires_health_declaration,
    )
    session.add(community)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="community_created",
        community_id=community.id,
        name=name,
    )
    return community


def get_community(session: Session, ref: str | int) -> Community:
    """A community by id or slug."""
    community: Community | None
    if isinstance(ref, int) or str(ref).isdigit():
        number = as_id(ref)
        community = session.get(Community, number) if number is not None else None
    else:
        community = session.scalar(select(Community).where(Community.slug == str(ref)))
    if community is None:
        raise NotFound(N_("There is no community “{ref}”."), ref=str(ref))
    return community


def update_community(
    *, session: Session, actor: Actor, community: Community, now: datetime | None = None, **changes: object
) -> Community:
    require_coordinator(session, actor, community.id)
    allowed = {
        "name",
        "timezone",
        "language",
        "summary_time",
        "service_standard",
        "requires_health_declaration",
        "green_call_days",
        "phone_region",
    }
    for key, value in changes.items():
        if key not in allowed:
            raise InvalidInput(N_("“{field}” cannot be changed."), field=key)
        if key == "timezone":
            try:
                ZoneInfo(str(value))
            except (ZoneInfoNotFoundError, ValueError):
                raise InvalidInput(
                    N_("Unknown timezone “{value}”; use a name such as Asia/Shanghai."), value=value
                ) from None
        if key == "language":
            value = normalise_language(str(value))
        if key == "green_call_days" and not (isinstance(value, int) and 1 <= value <= 60):
            raise InvalidInput(N_("Call green households back every 1 to 60 days."))
        if key == "phone_region":
            value = str(value).strip().upper()
            if not is_region(value):
                raise InvalidInput(NOT_A_REGION, value=str(changes[key])[:10])
        setattr(community, key, value)
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="community_updated",
        community_id=community.id,
        changes={k: str(v) for k, v in changes.items()},
    )
    return community


def add_area(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    name: str,
    kind: AreaKind,
    parent: Area | None = None,
    now: datetime | None = None,
) -> Area:
    require_coordinator(session, actor, community.id)
    name = _required(name, N_("area name"))
    if kind == AreaKind.GRID and (parent is None or parent.kind != AreaKind.ZONE):
        raise InvalidInput(N_("A grid sits inside a zone: name the zone it is in."))
    area = Area(community_id=community.id, name=name, kind=kind, parent_id=parent.id if parent else None)
    session.add(area)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="area_added",
        community_id=community.id,
        area_id=area.id,
        name=name,
    )
    return area


def add_place(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    name: str,
    kind: PlaceKind,
    area: Area | None = None,
    floors: int | None = None,
    units: int | None = None,
    now: datetime | None = None,
) -> Place:
    require_coordinator(session, actor, community.id)
    place = Place(
        community_id=community.id,
        name=_required(name, N_("place name")),
        kind=kind,
        area_id=area.id if area else None,
        floors=floors,
        units=units,
    )
    session.add(place)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="place_added",
        community_id=community.id,
        place_id=place.id,
        name=name,
    )
    return place


def add_household(
    *,
    session: Session,
    actor: Actor,
    building: Place,
    room: str,
    unit: str = "",
    elderly: bool = False,
    lives_alone: bool = False,
    disabled: bool = False,
    watch_colour: WatchColour | None = None,
    quarantine_until: date | None = None,
    contact_name: str = "",
    phone: str = "",
    now: datetime | None = None,
) -> Household:
    require_coordinator(session, actor, building.community_id)
    if building.kind != PlaceKind.BUILDING:
        raise InvalidInput(N_("Households live in buildings; “{name}” is not one."), name=building.name)
    household = Household(
        community_id=building.community_id,
        building_id=building.id,
        unit=unit,
        room=_required(room, N_("room")),
        elderly=elderly,
        lives_alone=lives_alone,
        disabled=disabled,
        watch_colour=watch_colour,
        quarantine_until=quarantine_until,
        contact_name=contact_name,
        phone=e164(phone, session.get_one(Community, building.community_id).phone_region),
    )
    session.add(household)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="household_added",
        community_id=building.community_id,
        household_id=household.id,
    )
    return household


def find_place(session: Session, community_id: int, name: str) -> Place:
    """A place by its name, or by the same name in another case or spacing (``north gate``: “North Gate”)."""
    place = session.scalar(
        select(Place).where(Place.community_id == community_id, Place.name == name.strip())
    )
    if place is None:
        loose = _plain(name)
        found = [
            p
            for p in session.scalars(select(Place).where(Place.community_id == community_id))
            if _plain(p.name) == loose
        ]
        place = found[0] if len(found) == 1 else None
    if place is None:
        raise NotFound(N_("There is no place called “{name}”."), name=name.strip()[:60])
    return place


def places_of(
    session: Session, community_id: int, *, first: PlaceKind | None = None, limit: int = 6
) -> list[Place]:
    """Up to ``limit`` places of a community to choose from, those of kind ``first`` first, then by name."""
    order = [case((Place.kind == first, 0), else_=1)] if first is not None else []
    return list(
        session.scalars(
            select(Place).where(Place.community_id == community_id).order_by(*order, Place.name).limit(limit)
        )
    )


#: How people name a kind of area before its number: ``zone 1``, ``片区 1``, ``grid 3``, ``第3网格``.
AREA_WORDS = {"zone": AreaKind.ZONE, "片区": AreaKind.ZONE, "grid": AreaKind.GRID, "网格": AreaKind.GRID}
_CHINESE_DIGITS = {c: str(n) for n, c in enumerate("零一二三四五六七八九", start=0)}
_NUMBERED = re.compile(r"^(?:(zone|grid|片区|网格)\s*#?第?\s*(\d+)|第?\s*(\d+)\s*(片区|网格))$")


def find_area(session: Session, community_id: int, name: str) -> Area:
    """A zone or grid by its name (in any case and spacing: ``zone 1`` finds “Zone 1”), by its kind and the
    number in its name (``片区 1`` finds “第一片区”, ``grid 3`` finds “第3网格”), or by its id (``#4``)."""
    text = " ".join(name.split())
    areas = session.scalars(select(Area).where(Area.community_id == community_id).order_by(Area.id)).all()
    for same in (lambda a: a.name == text, lambda a: _plain(a.name) == _plain(text)):
        found = [a for a in areas if same(a)]
        if len(found) == 1:
            return found[0]
    numbered = _NUMBERED.match(_plain(text))
    if numbered:
        word, number = (
            numbered.group(1) or numbered.group(4),
            str(int(numbered.group(2) or numbered.group(3))),
        )
        of_kind = [a for a in areas if a.kind == AREA_WORDS[word]]
        found = [a for a in of_kind if _number_in(a.name) == number]
        if len(found) == 1:
            return found[0]
        if not found and 0 < int(number) <= len(of_kind):
            return of_kind[int(number) - 1]  # the n-th zone (or grid) when their names carry no number
    elif as_id(text) is not None:
        found = [a for a in areas if a.id == as_id(text)]
        if found:
            return found[0]
    raise NotFound(N_("There is no zone or grid called “{name}”."), name=text[:60])


def _plain(name: str) -> str:
    """A name compared loosely: lower case, no spaces."""
    return "".join(name.lower().split())


def _number_in(name: str) -> str | None:
    """The number a name carries (“第3网格” → 3, “第一片区” → 1, “Zone 12” → 12), if exactly one."""
    digits = "".join(_CHINESE_DIGITS.get(c, c) for c in name)
    numbers = re.findall(r"\d+", digits)
    return str(int(numbers[0])) if len(numbers) == 1 else None


def _required(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(N_("The {what} cannot be empty."), what=what)
    if len(value) > 120:
        raise InvalidInput(N_("The {what} is too long (at most 120 characters)."), what=what)
    return value
