"""What a lead does from the board, through the work services (their permission checks, their messages):
assign a free place, reassign a held one, cancel work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.models import Membership, Task, TeamRole
from coord.services.board.viewer import Viewer, require_board_coordinator
from coord.services.people.people import add_member, find_person, find_team
from coord.services.people.roster import deactivate_person
from coord.services.work import assign, cancel_task, reassign


def assign_place(session: Session, *, viewer: Viewer, task_id: int, person_ref: str, now: datetime) -> str:
    """Give a free place of ``task_id`` to the person named (name, number or phone); returns their name.
    Two leads giving the last place at once: the claim rule lets one win; the other is refused."""
    person = find_person(session, viewer.community.id, person_ref.strip())
    assign(session=session, actor=viewer.actor, task_id=task_id, person=person, now=now)
    return person.name


def reassign_place(
    session: Session, *, viewer: Viewer, task_id: int, from_ref: str, to_ref: str, now: datetime
) -> str:
    """Hand a held place of ``task_id`` from one person to another; returns the new holder's name."""
    from_person = find_person(session, viewer.community.id, from_ref.strip())
    to_person = find_person(session, viewer.community.id, to_ref.strip())
    reassign(
        session=session,
        actor=viewer.actor,
        task_id=task_id,
        from_person=from_person,
        to_person=to_person,
        now=now,
    )
    return to_person.name


def deactivate(session: Session, *, viewer: Viewer, person_id: int, reason: str, now: datetime) -> str:
    """The person takes no further part (their captain or a coordinator; the people service checks and
    releases what they hold); returns their name."""
    person = find_person(session, viewer.community.id, person_id)
    deactivate_person(session=session, actor=viewer.actor, person=person, reason=reason, now=now)
    return person.name


def cancel_work(session: Session, *, viewer: Viewer, task_id: int, now: datetime) -> Task:
    return cancel_task(session=session, actor=viewer.actor, task_id=task_id, reason="", now=now)


def set_team_role(
    session: Session, *, viewer: Viewer, team_id: int, person_id: int, role: str, now: datetime
) -> tuple[str, str]:
    """A coordinator makes a member of a team its captain, or a captain a volunteer again, through the people
    service (``add_member``, as ``coord team add --role`` does); returns the person's and the team's names.
    A captain cannot change roles from the board."""
    require_board_coordinator(viewer)
    wanted = {"captain": TeamRole.CAPTAIN, "volunteer": TeamRole.VOLUNTEER}.get(role.strip().lower())
    if wanted is None:
        raise InvalidInput(N_("A team role is volunteer or captain."))
    team = find_team(session, viewer.community.id, team_id)
    person = find_person(session, viewer.community.id, person_id)
    member = session.scalar(
        select(Membership.id).where(Membership.team_id == team.id, Membership.person_id == person.id)
    )
    if member is None:
        raise NotFound(N_("{name} is not in team {team}."), name=person.name, team=team.name)
    add_member(session=session, actor=viewer.actor, team=team, person=person, role=wanted, now=now)
    return person.name, team.name
