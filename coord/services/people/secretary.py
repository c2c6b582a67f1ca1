"""A community's party secretary (党支部书记): one of its coordinators, named by a coordinator.

A red household's follow-up goes to the household's named responsible person and the party secretary
personally (DOMAIN.md, four colours); while none is named, to every coordinator.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Community, Person
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, is_coordinator, require_coordinator


def set_party_secretary(
    *, session: Session, actor: Actor, community: Community, person: Person | None, now: datetime
) -> Person | None:
    """Name ``person`` (an active coordinator of ``community``) its party secretary; None clears it.
    Only a coordinator may; the change is an event."""
    require_coordinator(session, actor, community.id)
    if person is not None and (
        person.community_id != community.id
        or not person.active
        or not is_coordinator(session, person, community.id)
    ):
        raise InvalidInput(
            N_("{name} is not a coordinator of this community: the party secretary must be one."),
            name=person.name,
        )
    before = community.party_secretary_id
    community.party_secretary_id = person.id if person is not None else None
    session.flush()
    if before != community.party_secretary_id:
        record_event(
            session,
            actor=actor,
            action="party_secretary_set",
            community_id=community.id,
            at=now,
            subject_id=person.id if person is not None else None,
            before=before,
        )
    return person


def party_secretary(session: Session, community: Community) -> Person | None:
    """The community's party secretary while they are an active coordinator; else None."""
    if community.party_secretary_id is None:
        return None
    person = session.get(Person, community.party_secretary_id)
    if person is None or not person.active or not is_coordinator(session, person, community.id):
        return None
    return person
