"""What a rung of the ladder says, and to whom: reminders, unfilled shifts, missing people, overdue work.

Every message goes through the outbox (``notifications.notify``) with a dedupe key naming the task, the rung
and the recipient, so running a rung twice writes each message once. Group chats get the public card
only (invariant 7): titles, times and slot counts, never an address or a phone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.i18n import MOMENTS, N_, TRANSLATED, moment_param
from coord.models import (
    AreaKind,
    Assignment,
    AssignmentState,
    Community,
    Person,
    Task,
    Team,
    TeamChat,
    WatchColour,
)
from coord.payloads import button
from coord.services.escalation.ladder import Audience, Condition, Rung
from coord.services.outbox.notifications import TIMELY_FOR, notify
from coord.services.people.people import captains_of, coordinators_of

#: A button on an outbox notification: a label message id (with params), an action and its arguments
#: (``coord.payloads.button``).
Button = dict[str, Any]

MESSAGES: dict[tuple[Condition, str], str] = {
    (Condition.CLAIMED, "assignee"): N_(
        "Reminder: task #{task_id} “{title}” starts at {start}, in {minutes} min. "
        "Check in when you are at your post."
    ),
    (Condition.UNCLAIMED, "team"): N_(
        "Task #{task_id} “{title}” ({when}) still needs {missing}. Can you take it?"
    ),
    (Condition.UNCLAIMED, "lead"): N_(
        "Unfilled: task #{task_id} “{title}” of {team} ({when}) still has {missing} of {capacity} "
        "places open. Please find someone."
    ),
    (Condition.NOT_CHECKED_IN, "assignee"): N_(
        "You have not checked in for task #{task_id} “{title}”, which started at {start}. "
        "Check in now, or tell your captain."
    ),
    (Condition.NOT_CHECKED_IN, "team"): N_(
        "Task #{task_id} “{title}” started at {start} and is short of people. Can you come?"
    ),
    (Condition.NOT_CHECKED_IN, "lead"): N_(
        "Not at the post: task #{task_id} “{title}” of {team} started at {start}; "
        "{names} did not check in. {missing} places are open."
    ),
    (Condition.NOT_DONE, "assignee"): N_(
        "Task #{task_id} “{title}” is due at {due}. Report it done when finished, "
        "or say you can't complete it."
    ),
    (Condition.NOT_DONE, "team"): N_(
        "Task #{task_id} “{title}” is due at {due} and nobody has taken it. Can you?"
    ),
    (Condition.NOT_DONE, "lead"): N_(
        "Not done: task #{task_id} “{title}” of {team} was due at {due}. Held by: {names}."
    ),
}
MESSAGES[(Condition.CLAIMED, "team")] = MESSAGES[(Condition.UNCLAIMED, "team")]
MESSAGES[(Condition.CLAIMED, "lead")] = MESSAGES[(Condition.NOT_DONE, "lead")]
MESSAGES[(Condition.UNCLAIMED, "assignee")] = MESSAGES[(Condition.UNCLAIMED, "team")]

NOBODY = N_("nobody")
NO_TEAM = N_("no team")


@dataclass(frozen=True)
class Recipient:
    """One addressee of a rung: a person by direct message, or a team's group chats."""

    person_id: int | None = None
    team_id: int | None = None
    role: str = "lead"  # which wording: assignee, team or lead
    audience: str = "coordinators"  # whom it reaches in the end (an Audience), after any fallback

    @property
    def key(self) -> str:
        return f"p{self.person_id}" if self.person_id is not None else f"t{self.team_id}"


def recipients(session: Session, task: Task, rung: Rung, subjects: Sequence[Assignment]) -> list[Recipient]:
    """Who a notifying rung reaches; a missing audience falls back up the chain, never to nobody."""
    wanted = list(rung.to)
    if task.household is not None and task.household.watch_colour == WatchColour.RED:
        # A red household goes to the captain and coordinators at every step (DOMAIN.md, four colours).
        wanted += [Audience.CAPTAIN, Audience.COORDINATORS]
    found: dict[str, Recipient] = {}
    for audience in wanted:
        for recipient in _resolve(session, task, audience, subjects):
            found.setdefault(recipient.key, recipient)
    if Audience.CAPTAIN in wanted:
        for person_id in _grid_people(task):
            found.setdefault(f"p{person_id}", Recipient(person_id=person_id, audience="grid"))
    return list(found.values())


def _grid_people(task: Task) -> list[int]:
    """The leader and three roles (一长三员) of the grid the task's place is in: they hear what its captain
    hears."""
    area = task.place.area if task.place is not None else None
    return area.grid_people if area is not None and area.kind == AreaKind.GRID else []


def _resolve(
    session: Session, task: Task, audience: Audience, subjects: Sequence[Assignment]
) -> list[Recipient]:
    if audience == Audience.ASSIGNEE:
        people = [
            a.person_id for a in subjects if a.state in (AssignmentState.CLAIMED, AssignmentState.CHECKED_IN)
        ]
        if people:
            return [
                Recipient(person_id=p, role="assignee", audience="assignee") for p in dict.fromkeys(people)
            ]
        return _resolve(session, task, Audience.TEAM, subjects)
    if audience == Audience.TEAM:
        if task.team_id is not None and _has_chat(session, task.team_id):
            return [Recipient(team_id=task.team_id, role="team", audience="team")]
        return _resolve(session, task, Audience.CAPTAIN, subjects)
    if audience == Audience.RESERVE:
        reserves = session.scalars(
            select(Team.id).where(
                Team.community_id == task.community_id,
                Team.is_reserve.is_(True),
                Team.id != (task.team_id or 0),
            )
        ).all()
        return [
            Recipient(team_id=t, role="team", audience="reserve") for t in reserves if _has_chat(session, t)
        ]
    if audience == Audience.CAPTAIN and task.team_id is not None:
        captains = captains_of(session, task.team_id)
        if captains:
            return [Recipient(person_id=p, audience="captain") for p in captains]
    return [Recipient(person_id=p) for p in coordinators_of(session, task.community_id)]


def _has_chat(session: Session, team_id: int) -> bool:
    return session.scalar(select(TeamChat.id).where(TeamChat.team_id == team_id).limit(1)) is not None


def send_rung_messages(
    session: Session,
    task: Task,
    *,
    index: int,
    rung: Rung,
    subjects: Sequence[Assignment],
    now: datetime,
    skip: Collection[str] = (),
) -> list[Recipient]:
    """Write this rung's messages to the outbox, but to the recipients in ``skip`` (by key); returns whom
    a new message goes to. A message about missing people names them in its key: the same rung run again
    for someone else missing (a late holder's grace is over) is a new message."""
    names: dict[int, str] = dict(
        session.execute(select(Person.id, Person.name).where(Person.id.in_([a.person_id for a in subjects])))
        .tuples()
        .all()
    )
    params = _params(session, task, names, now)
    about = ""
    if rung.condition == Condition.NOT_CHECKED_IN:
        ids = ",".join(str(a.id) for a in sorted(subjects, key=lambda a: a.id))
        about = ":" + hashlib.sha1(ids.encode()).hexdigest()[:12]
    reached = []
    for recipient in recipients(session, task, rung, subjects):
        if recipient.key in skip:
            continue
        written = notify(
            session,
            dedupe_key=f"rung:{task.id}:{index}:{recipient.key}{about}",
            community_id=task.community_id,
            person_id=recipient.person_id,
            team_id=recipient.team_id,
            task_id=task.id,
            msgid=MESSAGES[(rung.condition, recipient.role)],
            params=params,
            buttons=_buttons(task, rung.condition, recipient.role, subjects, names),
            at=now,
            repeat_until=now + TIMELY_FOR,  # a reminder or alert cut short is not repeated late
        )
        if written:
            reached.append(recipient)
    return reached


def _params(session: Session, task: Task, names: dict[int, str], now: datetime) -> dict[str, Any]:
    community = session.get(Community, task.community_id)
    zone = ZoneInfo(community.timezone if community else "UTC")
    team = session.get(Team, task.team_id) if task.team_id else None
    minutes = max(0, int((task.starts_at - now).total_seconds() // 60)) if task.starts_at else 0
    return {
        "task_id": task.id,
        "title": task.title,
        "start": moment_param(task.starts_at, zone.key, now),
        "due": moment_param(task.ends_at or task.due_at, zone.key, now),
        "when": moment_param(task.starts_at or task.due_at, zone.key, now),
        MOMENTS: ["start", "due", "when"],
        "minutes": minutes,
        "missing": task.capacity - task.filled,
        "capacity": task.capacity,
        "names": ", ".join(sorted(names.values())) or NOBODY,
        "team": team.name if team else NO_TEAM,
        # Values that are message ids themselves, translated for each reader when delivered.
        TRANSLATED: [key for key, text in (("names", names), ("team", team)) if not text],
    }


def local_time(moment: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    """``18:00`` today, ``03-04 18:00`` on another day, in the community's timezone."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def _buttons(
    task: Task, condition: Condition, role: str, subjects: Sequence[Assignment], names: dict[int, str]
) -> list[list[Button]]:
    tid = task.id
    if role == "team":
        return [[button(N_("Claim"), "claim", task_id=tid)]] if task.filled < task.capacity else []
    if role == "assignee":
        if condition in (Condition.CLAIMED, Condition.NOT_CHECKED_IN):
            return [[button(N_("I'm at my post"), "checkin", task_id=tid)]]
        return [
            [
                button(N_("Done"), "done", task_id=tid),
                button(N_("Can't complete"), "cantdo", task_id=tid),
            ]
        ]
    late = [a for a in subjects if a.state == AssignmentState.CLAIMED]
    if condition == Condition.NOT_CHECKED_IN and late:
        label = N_("Reassign {name}")
        return [
            [
                button(
                    label,
                    "reassign",
                    params={"name": names.get(a.person_id, "")},
                    task_id=tid,
                    from_person=a.person_id,
                )
            ]
            for a in late[:5]
        ]
    return [[button(N_("Show task"), "task", task_id=tid)]]
