"""Reading the watch list: find a household, see it, list households by colour, search them.

What these return is private (address, phone, health, colour): only captains and coordinators may read it
(``require_watch_keeper``), and every read is recorded as an event, who, when, through which channel
(DESIGN.md invariant 9). The chat layer shows it in a direct chat only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.kinds import CALL_KINDS
from coord.models import (
    Assignment,
    AssignmentState,
    Community,
    Household,
    Place,
    PlaceKind,
    Task,
    TaskStatus,
    WatchColour,
    as_id,
)
from coord.services.people.access import Actor, require_watch_keeper
from coord.services.privacy.reads import record_read
from coord.services.watch.schedule import QUARANTINE_DAYS, local_day, quarantine_day

MAX_LISTED = 50
_SPACES = re.compile(r"\s+")
_BUILDING_WORDS = re.compile(r"(building|bldg|号楼|栋|幢|楼)", re.IGNORECASE)


@dataclass(frozen=True)
class LastCall:
    """The last finished call to a household: when, and what it found."""

    at: datetime
    task_id: int
    figures: dict[str, Any]


@dataclass(frozen=True)
class HouseholdView:
    """One household as a captain or coordinator reads it on the watch list."""

    household: Household
    colour: WatchColour | None
    reason: str
    set_at: datetime | None
    lead: str
    medic: str
    quarantine_day: int | None  # day N of QUARANTINE_DAYS, or None outside a quarantine
    last_call: LastCall | None
    open_work: tuple[Task, ...] = ()  # the household's work not done yet (calls, follow-ups, deliveries)

    @property
    def address(self) -> str:
        return self.household.address

    @property
    def days(self) -> int:
        return QUARANTINE_DAYS


def find_household(session: Session, *, actor: Actor, community: Community, ref: str) -> Household:
    """One household by its address (building-unit-room or building-room) or number; several that match
    (or none) are refused, naming how to find it."""
    require_watch_keeper(session, actor, community.id)
    text = ref.strip()
    found = _by_address(session, community.id, text)
    number = as_id(text)
    if not found and number is not None:
        household = session.get(Household, number)
        found = [household] if household is not None and household.community_id == community.id else []
    if not found:
        raise NotFound(N_("There is no household “{ref}”."), ref=text[:60])
    if len(found) > 1:
        raise InvalidInput(
            N_("“{ref}” fits {count} households; give building-unit-room, for example {example}."),
            ref=text[:60],
            count=len(found),
            example=found[0].address,
        )
    return found[0]


def search_households(
    session: Session, *, actor: Actor, community: Community, text: str, now: datetime, limit: int = 10
) -> list[Household]:
    """Households whose address, contact name or phone matches ``text`` (an address, a room, part of a
    name, four or more digits of a phone)."""
    require_watch_keeper(session, actor, community.id)
    words = " ".join(text.split())
    if not words:
        raise InvalidInput(N_("Search for what? An address such as 2-1-502, a name or a phone number."))
    found = _by_address(session, community.id, words)
    if not found:
        query = _households(community.id)
        digits = re.sub(r"\D", "", words)
        like = f"%{words.lower()}%"
        conditions: list[Any] = [func.lower(Household.contact_name).like(like), Household.room == words]
        if len(digits) >= 4 and len(digits) >= len(words.replace(" ", "")) - 2:
            conditions.append(func.replace(Household.phone, "-", "").like(f"%{digits}%"))
        found = list(session.scalars(query.where(or_(*conditions)).order_by(Household.id).limit(limit)))
    found = found[:limit]
    _record_read(session, actor, community, now, "search", found, action="households_searched")
    return found


def household_view(
    session: Session, *, actor: Actor, household: Household, now: datetime, record: bool = True
) -> HouseholdView:
    """Everything the watch list knows of one household."""
    require_watch_keeper(session, actor, household.community_id)
    community = session.get_one(Community, household.community_id)
    [view] = _views(session, community, [household], now)
    if record:
        _record_read(session, actor, community, now, "household", [household])
    live = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)
    work = session.scalars(
        select(Task)
        .where(Task.household_id == household.id, Task.status.in_(live))
        .order_by(Task.id)
        .limit(10)
    ).all()
    return replace(view, open_work=tuple(work))


def watch_list(
    session: Session,
    *,
    actor: Actor,
    community: Community,
    colour: WatchColour,
    now: datetime,
    limit: int = MAX_LISTED,
) -> list[HouseholdView]:
    """The households of ``colour``, longest on it first, with their quarantine day, last call and people."""
    require_watch_keeper(session, actor, community.id)
    households = session.scalars(
        _households(community.id)
        .where(Household.watch_colour == colour)
        .order_by(Household.watch_set_at.is_(None), Household.watch_set_at, Household.id)
        .limit(limit)
    ).all()
    _record_read(session, actor, community, now, "watch_list", households, colour=str(colour))
    return _views(session, community, list(households), now)


def colour_counts(session: Session, *, actor: Actor, community: Community) -> dict[WatchColour, int]:
    """How many households are on each colour."""
    require_watch_keeper(session, actor, community.id)
    rows = session.execute(
        select(Household.watch_colour, func.count())
        .where(Household.community_id == community.id, Household.watch_colour.is_not(None))
        .group_by(Household.watch_colour)
    ).all()
    counts = dict.fromkeys(WatchColour, 0)
    counts.update({colour: count for colour, count in rows})
    return counts


def _households(community_id: int) -> Any:
    return (
        select(Household)
        .join(Place, Place.id == Household.building_id)
        .where(Household.community_id == community_id)
        .options(
            selectinload(Household.building),
            selectinload(Household.watch_lead),
            selectinload(Household.watch_medic),
        )
    )


def _by_address(session: Session, community_id: int, text: str) -> list[Household]:
    """Households at ``text``: building-unit-room or building-room, the building by its name (spaces,
    case and a word such as 栋 or Building aside)."""
    parts = [p.strip() for p in text.replace("—", "-").replace("－", "-").split("-")]
    if len(parts) < 2 or not all(parts):
        return []
    buildings = _buildings_called(
        session, community_id, parts[0] if len(parts) <= 3 else "-".join(parts[:-2])
    )
    if not buildings:
        return []
    unit, room = (parts[-2], parts[-1]) if len(parts) >= 3 else (None, parts[-1])
    query = _households(community_id).where(Household.building_id.in_(buildings), Household.room == room)
    if unit is not None:
        query = query.where(Household.unit == unit)
    return list(session.scalars(query.order_by(Household.id).limit(MAX_LISTED)))


def _buildings_called(session: Session, community_id: int, name: str) -> list[int]:
    wanted = _plain(name)
    rows = session.execute(
        select(Place.id, Place.name).where(
            Place.community_id == community_id, Place.kind == PlaceKind.BUILDING
        )
    ).all()
    exact = [
        place_id
        for place_id, place_name in rows
        if _SPACES.sub("", place_name.lower()) == _SPACES.sub("", name.lower())
    ]
    return exact or [place_id for place_id, place_name in rows if _plain(place_name) == wanted]


def _plain(name: str) -> str:
    return _SPACES.sub("", _BUILDING_WORDS.sub("", name.lower()))


def _views(
    session: Session, community: Community, households: Sequence[Household], now: datetime
) -> list[HouseholdView]:
    today = local_day(community, now)
    calls = _last_calls(session, [h.id for h in households])
    return [
        HouseholdView(
            household=h,
            colour=h.watch_colour,
            reason=h.watch_reason,
            set_at=h.watch_set_at,
            lead=h.watch_lead.name if h.watch_lead else "",
            medic=h.watch_medic.name if h.watch_medic else "",
            quarantine_day=quarantine_day(h, today),
            last_call=calls.get(h.id),
        )
        for h in households
    ]


def _last_calls(session: Session, household_ids: list[int]) -> dict[int, LastCall]:
    if not household_ids:
        return {}
    rows = session.execute(
        select(Task.household_id, Task.id, Assignment.ended_at, Assignment.figures)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(
            Task.household_id.in_(household_ids),
            Task.kind.in_(CALL_KINDS),
            Assignment.state == AssignmentState.DONE,
        )
        .order_by(Assignment.ended_at.desc(), Assignment.id.desc())
    ).all()
    last: dict[int, LastCall] = {}
    for household_id, task_id, ended_at, figures in rows:
        if household_id not in last and ended_at is not None:
            last[household_id] = LastCall(ended_at, task_id, dict(figures or {}))
    return last


def _record_read(
    session: Session,
    actor: Actor,
    community: Community,
    now: datetime,
    what: str,
    households: Sequence[Household],
    **data: Any,
) -> None:
    """Every household shown is a read of its private details (coord.services.privacy)."""
    ids = [h.id for h in households]
    record_read(
        session,
        actor=actor,
        community_id=community.id,
        what=what,
        at=now,
        households=ids,
        count=len(ids),
        **data,
    )
