"""Who may do what with requests: residents their own household's, desk volunteers and leads the rest."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from coord.errors import NotAllowed, NotFound
from coord.i18n import N_
from coord.models import HouseholdRequest, Membership, Person, Resident
from coord.services.people.access import Actor, can_keep_watch, is_coordinator


def resident_of(session: Session, person: Person | None) -> Resident | None:
    """The resident link of ``person``, confirmed or not."""
    if person is None:
        return None
    return session.scalar(select(Resident).where(Resident.person_id == person.id))


def is_volunteer(session: Session, person: Person) -> bool:
    """A member of any team (a volunteer or captain) or a coordinator: may work the desk."""
    member = session.scalar(select(exists().where(Membership.person_id == person.id)))
    return bool(member) or is_coordinator(session, person, person.community_id)


def require_desk(session: Session, actor: Actor, community_id: int) -> None:
    """The offline desk (and searching households for it) is for volunteers, captains and coordinators."""
    person = actor.person
    if person is None:
        return
    if person.community_id != community_id or not is_volunteer(session, person):
        raise NotAllowed(
            N_("Only a volunteer, a captain or a coordinator can enter an order for a household.")
        )


def is_lead(session: Session, actor: Actor, community_id: int) -> bool:
    """A captain of any team or a coordinator (the system too): sees every request."""
    return can_keep_watch(session, actor, community_id)


def unknown_request(request_id: object) -> NotFound:
    """No such request, or (said the same way, to tell nothing) one the reader may not see."""
    return NotFound(N_("There is no request #{request_id} of yours."), request_id=str(request_id)[:12])


def can_read(session: Session, actor: Actor, request: HouseholdRequest) -> bool:
    """A resident reads their own household's requests; volunteers, captains and coordinators all of them."""
    person = actor.person
    if person is None:
        return True
    if person.community_id != request.community_id:
        return False
    resident = resident_of(session, person)
    if resident is not None:
        return resident.household_id == request.household_id
    return is_volunteer(session, person)
