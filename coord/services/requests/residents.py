"""Residents: a household invite per building (a code on the door), the unit and room, and the link
confirmed by a volunteer or by the phone number on file before the first order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, InviteInvalid, NotAllowed
from coord.i18n import N_
from coord.models import BuildingCode, Community, Event, Household, Person, Place, PlaceKind, Resident
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_watch_keeper
from coord.services.people.codes import new_code, normalise_code
from coord.services.people.people import link_account, person_by_account
from coord.services.requests.access import is_volunteer, resident_of

PHONE_TRIES = 3  # wrong phone numbers before only a volunteer can confirm the link


@dataclass(frozen=True)
class Joined:
    resident: Resident
    person: Person
    new_person: bool


def building_code(session: Session, *, actor: Actor, building: Place, now: datetime) -> BuildingCode:
    """The household invite of ``building`` (made the first time it is asked for), for its door."""
    require_watch_keeper(session, actor, building.community_id)
    if building.kind != PlaceKind.BUILDING:
        raise InvalidInput(N_("Households live in buildings; “{name}” is not one."), name=building.name)
    found = session.scalar(select(BuildingCode).where(BuildingCode.building_id == building.id))
    if found is not None:
        return found
    for _attempt in range(5):
        code = BuildingCode(
            community_id=building.community_id, building_id=building.id, code=new_code(), created_at=now
        )
        try:
            with session.begin_nested():
                session.add(code)
        except IntegrityError:
            continue
        record_event(
            session,
            actor=actor,
            action="building_code_made",
            community_id=building.community_id,
            at=now,
            building_id=building.id,
        )
        return code
    raise RuntimeError("no free building code after 5 attempts")


def deep_link(code: str, bot_username: str) -> str:
    """The Telegram link printed with the QR code: opening it starts the bot with the code."""
    return f"https://t.me/{bot_username}?start={code}"


def building_of_code(session: Session, code: str) -> Place:
    """The building whose door carries ``code``; an unknown code is refused."""
    typed = normalise_code(code)
    found = (
        session.scalar(select(BuildingCode).where(BuildingCode.code == typed))
        if 4 <= len(typed) <= 32
        else None
    )
    if found is None:
        raise InviteInvalid(N_("That building code is not known. Check the code on your building's door."))
    return session.get_one(Place, found.building_id)


def household_in(session: Session, building: Place, unit: str, room: str) -> Household:
    """The household at ``unit`` and ``room`` of ``building``; one that does not exist is refused."""
    unit, room = unit.strip(), room.strip()
    if not room or len(unit) > 20 or len(room) > 20:
        raise InvalidInput(N_("Give your unit and room, for example: 2 301."))
    query = select(Household).where(Household.building_id == building.id, Household.room == room)
    found = session.scalars(query.where(Household.unit == unit)).all()
    if not found and not unit:
        found = session.scalars(query).all()
    if len(found) != 1:
        raise InvalidInput(
            N_("{building} has no unit {unit} room {room}. Check the numbers on your door."),
            building=building.name,
            unit=unit or "-",
            room=room,
        )
    return found[0]


def begin_join(
    *,
    session: Session,
    channel: str,
    code: str,
    external_id: str,
    display_name: str,
    now: datetime,
    language: str | None = None,
    dm_chat_id: str | None = None,
) -> Joined:
    """A resident opens their building's link (the code on the door): their chat account becomes a resident
    of that building, who names the unit and room next (``set_home``)."""
    building = building_of_code(session, code)
    person = person_by_account(session, channel, external_id)
    if person is not None:
        if person.community_id != building.community_id:
            raise InviteInvalid(N_("This chat account already belongs to another community."))
        existing = resident_of(session, person)
        if existing is None and is_volunteer(session, person):
            raise InvalidInput(
                N_("You are a volunteer here already; a volunteer orders for a household at the desk.")
            )
        if existing is not None:
            if existing.household_id is None:
                existing.building_id = building.id
            return Joined(existing, person, False)
    community = session.get_one(Community, building.community_id)
    new_person = person is None
    if person is None:
        person = Person(
            community_id=community.id,
            name=(display_name.strip() or external_id)[:120],
            language=language if language in ("en", "zh") else community.language,
        )
        session.add(person)
        session.flush()
        link_account(
            session=session,
            actor=Actor(person, channel),
            person=person,
            network=channel,
            external_id=external_id,
            display_name=display_name,
            dm_chat_id=dm_chat_id,
            now=now,
        )
    resident = Resident(person_id=person.id, building_id=building.id, created_at=now)
    session.add(resident)
    session.flush()
    record_event(
        session,
        actor=Actor(person, channel),
        action="resident_joined",
        community_id=community.id,
        at=now,
        subject_id=person.id,
        building_id=building.id,
    )
    return Joined(resident, person, new_person)


def set_home(*, session: Session, actor: Actor, unit: str, room: str, now: datetime) -> Resident:
    """The resident names their unit and room in the building they joined; a confirmed link stays as it is."""
    person = actor.require_person()
    resident = resident_of(session, person)
    if resident is None:
        raise NotAllowed(N_("Join with your building's code first."))
    if resident.confirmed_at is not None:
        raise InvalidInput(N_("Your household is confirmed already. Ask a volunteer to change it."))
    household = household_in(session, session.get_one(Place, resident.building_id), unit, room)
    resident.household_id = household.id
    resident.household = household
    record_event(
        session,
        actor=actor,
        action="resident_home_set",
        community_id=household.community_id,
        at=now,
        subject_id=person.id,
        household_id=household.id,
    )
    return resident


def join_building(
    *,
    session: Session,
    channel: str,
    code: str,
    unit: str,
    room: str,
    external_id: str,
    display_name: str,
    now: datetime,
    language: str | None = None,
    dm_chat_id: str | None = None,
) -> Joined:
    """Both steps at once: the building's code, then the unit and room (nothing is kept if either fails)."""
    building = building_of_code(session, code)
    household_in(session, building, unit, room)  # checked before anything is written
    joined = begin_join(
        session=session,
        channel=channel,
        code=code,
        external_id=external_id,
        display_name=display_name,
        now=now,
        language=language,
        dm_chat_id=dm_chat_id,
    )
    set_home(session=session, actor=Actor(joined.person, channel), unit=unit, room=room, now=now)
    return joined


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def confirm_by_phone(*, session: Session, actor: Actor, phone: str, now: datetime) -> Resident:
    """The resident gives the phone number the community has for the household: a match confirms the link."""
    person = actor.require_person()
    resident = resident_of(session, person)
    if resident is None:
        raise NotAllowed(N_("Join with your building's code first."))
    if resident.confirmed_at is not None:
        return resident
    if resident.household is None:
        raise InvalidInput(N_("First your unit and room, for example: home 2 301."))
    tries = session.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.action == "resident_phone_wrong", Event.subject_id == person.id)
    )
    if (tries or 0) >= PHONE_TRIES:
        raise NotAllowed(N_("Too many wrong numbers: a volunteer will confirm your household instead."))
    on_file = _digits(resident.household.phone)
    given = _digits(phone)
    if len(given) < 7 or not on_file or given[-8:] != on_file[-8:]:
        record_event(
            session,
            actor=actor,
            action="resident_phone_wrong",
            community_id=person.community_id,
            at=now,
            subject_id=person.id,
        )
        raise InvalidInput(
            N_(
                "That is not the number the community has for your household. "
                "Try again, or a volunteer confirms it."
            )
        )
    return _confirm(session, actor, resident, now, by="phone")


def confirm_resident(*, session: Session, actor: Actor, resident_id: object, now: datetime) -> Resident:
    """A volunteer, captain or coordinator confirms a resident's household link."""
    person = actor.require_person()
    if resident_of(session, person) is not None or not is_volunteer(session, person):
        raise NotAllowed(N_("Only a volunteer, a captain or a coordinator can confirm a resident."))
    from coord.models import as_id

    number = as_id(resident_id)
    resident = session.get(Resident, number) if number is not None else None
    if (
        resident is None
        or resident.household is None
        or resident.household.community_id != person.community_id
    ):
        raise InvalidInput(
            N_("There is no resident #{resident_id} waiting."), resident_id=str(resident_id)[:12]
        )
    if resident.confirmed_at is not None:
        return resident
    return _confirm(session, actor, resident, now, by="volunteer")


def _confirm(session: Session, actor: Actor, resident: Resident, now: datetime, *, by: str) -> Resident:
    assert resident.household is not None
    resident.confirmed_at = now
    resident.confirmed_by_id = actor.person_id if by == "volunteer" else None
    record_event(
        session,
        actor=actor,
        action="resident_confirmed",
        community_id=resident.household.community_id,
        at=now,
        subject_id=resident.person_id,
        household_id=resident.household_id,
        by=by,
    )
    return resident


def waiting_residents(session: Session, *, actor: Actor, community_id: int) -> list[Resident]:
    """Residents whose link waits for a volunteer's confirmation."""
    person = actor.require_person()
    if resident_of(session, person) is not None or not is_volunteer(session, person):
        raise NotAllowed(N_("Only a volunteer, a captain or a coordinator can confirm a resident."))
    return list(
        session.scalars(
            select(Resident)
            .join(Household, Household.id == Resident.household_id)
            .where(Household.community_id == community_id, Resident.confirmed_at.is_(None))
            .order_by(Resident.id)
            .limit(20)
        )
    )
