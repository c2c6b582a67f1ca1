"""Keeping the roster true: a person's details edited, a person deactivated (their held work released)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, InvalidTransition, NotAllowed
from coord.i18n import N_
from coord.models import (
    ACTIVE_STATES,
    Assignment,
    AssignmentState,
    Community,
    Invite,
    Person,
    Task,
    TaskStatus,
    Team,
    TeamRole,
)
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, can_keep_watch, can_manage_person, require_person_manager
from coord.services.people.phones import e164

LANGUAGES = ("en", "zh")
_LIVE = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)

DEACTIVATED = N_(
    "{name} was deactivated ({reason}) and no longer holds task #{task_id} “{title}”. "
    "Please give it to someone else."
)


@dataclass(frozen=True)
class Card:
    """What a captain or coordinator sees of a person; ``phone`` only for whoever may change them."""

    person: Person
    teams: list[tuple[Team, TeamRole]]
    phone: str | None


def person_card(
    *, session: Session, actor: Actor, person: Person, private: bool, now: datetime | None = None
) -> Card:
    """A person's details, for a captain or coordinator of their community (the others see none). The phone
    number comes only where the card is read ``private``ly (a direct chat, the CLI) by someone who may change
    the person, and that read is recorded."""
    from coord.services.people.people import teams_of

    if not can_keep_watch(session, actor, person.community_id):
        raise NotAllowed(N_("Only a captain or a coordinator can see people's details."))
    phone = person.phone if private and can_manage_person(session, actor, person) else None
    if phone:
        from coord.services.privacy.reads import record_read

        record_read(
            session,
            actor=actor,
            community_id=person.community_id,
            what="phone",
            at=now or utcnow(),
            person_id=person.id,
        )
    return Card(person, teams_of(session, person), phone)


@dataclass(frozen=True)
class Edited:
    person: Person
    changed: tuple[str, ...]


def edit_person(
    *,
    session: Session,
    actor: Actor,
    person: Person,
    name: str | None = None,
    phone: str | None = None,
    skills: list[str] | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> Edited:
    """Change what is given of ``person``'s name, phone ("" clears it), skills and language (en or zh).
    Everything is checked before anything changes."""
    require_person_manager(session, actor, person)
    values: dict[str, object] = {}
    if name is not None:
        name = " ".join(name.split())
        if not name or len(name) > 120:
            raise InvalidInput(N_("A name is between 1 and 120 characters."))
        values["name"] = name
    if phone is not None:
        community = session.get_one(Community, person.community_id)
        values["phone"] = e164(phone, community.phone_region)
    if skills is not None:
        cleaned = sorted({s.strip().lower() for s in skills if s.strip()})
        if any(len(s) > 40 for s in cleaned):
            raise InvalidInput(N_("A skill is at most 40 characters."))
        values["skills"] = cleaned
    if language is not None:
        if language not in LANGUAGES:
            raise InvalidInput(N_("The language is en or zh."))
        values["language"] = language
    if not values:
        raise InvalidInput(N_("Nothing to change: give name=, phone=, skills= or language=."))
    changed = tuple(key for key, value in values.items() if getattr(person, key) != value)
    for key in changed:
        setattr(person, key, values[key])
    session.flush()
    if changed:
        record_event(
            session,
            at=now or utcnow(),
            actor=actor,
            action="person_edited",
            community_id=person.community_id,
            subject_id=person.id,
            fields=list(changed),  # never the values: a phone number stays out of the record
        )
    return Edited(person, changed)


@dataclass(frozen=True)
class Deactivated:
    person: Person
    released: list[Task] = field(default_factory=list)


def deactivate_person(
    *, session: Session, actor: Actor, person: Person, reason: str, now: datetime | None = None
) -> Deactivated:
    """``person`` takes no further part: their chat accounts stop answering, and each slot they hold of
    live work is released (freed for someone else, recorded), their captain told at once."""
    from coord.services.work.notices import tell_leads
    from coord.services.work.slots import free_slot, move_held

    require_person_manager(session, actor, person)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(N_("Please say why {name} is deactivated."), name=person.name)
    if actor.person is not None and actor.person.id == person.id:
        raise InvalidInput(N_("You cannot deactivate yourself; ask a coordinator."))
    if not person.active:
        raise InvalidTransition(N_("{name} is already deactivated."), name=person.name)
    moment = now or utcnow()
    person.active = False
    held = session.scalars(
        select(Task)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(
            Assignment.person_id == person.id,
            Assignment.state.in_(ACTIVE_STATES),
            Task.status.in_(_LIVE),
        )
        .order_by(Task.id)
    ).all()
    released: list[Task] = []
    for task in held:
        assignment = move_held(
            session,
            task,
            person,
            ACTIVE_STATES,
            AssignmentState.RELEASED,
            ended_at=moment,
            note=reason[:1000],
        )
        if assignment is None:
            continue
        free_slot(session, task)
        record_event(
            session,
            actor=actor,
            action="released",
            community_id=task.community_id,
            assignment=assignment,
            at=moment,
            reason=reason,
            deactivated=True,
        )
        tell_leads(
            session,
            task,
            key=f"deactivated:{assignment.id}",
            msgid=DEACTIVATED,
            params={"name": person.name, "reason": reason, "task_id": task.id, "title": task.title},
            at=moment,
        )
        released.append(task)
    # An invite made for them alone would link a new chat account to someone who takes no part.
    session.execute(
        update(Invite)
        .where(Invite.person_id == person.id, Invite.uses_left > 0)
        .values(uses_left=0)
        .execution_options(synchronize_session=False)
    )
    record_event(
        session,
        at=moment,
        actor=actor,
        action="person_deactivated",
        community_id=person.community_id,
        subject_id=person.id,
        reason=reason,
        released=[task.id for task in released],
    )
    session.flush()
    return Deactivated(person, released)
