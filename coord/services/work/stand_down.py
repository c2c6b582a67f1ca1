"""A person who declares themselves unwell stands down: their captain hears at once which of their work of
the next day needs someone else, with a button to reassign each, and boards and pickers mark them.

Nothing is taken from them here: the captain decides who goes instead (``claims.reassign``); the claim rule
refuses them new work for the day (``rules.claim_refusal_reason``, ``Health.UNWELL``).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from coord.i18n import MOMENTS, N_, moment_param
from coord.models import ACTIVE_STATES, Assignment, Community, HealthDeclaration, Person, Task, TaskStatus
from coord.payloads import button
from coord.services.outbox.notifications import notify
from coord.services.people.people import captains_of, coordinators_of
from coord.services.work.rules import community_zone, window_text

HORIZON = timedelta(hours=24)
LIVE = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)

UNWELL_SHIFT = N_(
    "{name} declared themselves unwell today and holds task #{task_id} “{title}”, {when}. "
    "Please give it to someone else."
)
UNWELL_DEADLINE = N_(
    "{name} declared themselves unwell today and holds task #{task_id} “{title}”, due {when}. "
    "Please give it to someone else."
)


def held_soon(session: Session, person: Person, now: datetime) -> list[tuple[Assignment, Task]]:
    """``person``'s unfinished work under way now or starting (or due) within ``HORIZON``, soonest first."""
    soon = now + HORIZON
    rows = session.execute(
        select(Assignment, Task)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Assignment.person_id == person.id,
            Assignment.state.in_(ACTIVE_STATES),
            Task.status.in_(LIVE),
            or_(
                and_(Task.starts_at < soon, Task.ends_at > now),
                and_(Task.starts_at.is_(None), Task.due_at < soon),
            ),
        )
        .order_by(Task.starts_at.is_(None), Task.starts_at, Task.due_at, Task.id)
    ).all()
    return [(assignment, task) for assignment, task in rows]


def stand_down(session: Session, person: Person, *, now: datetime) -> list[Task]:
    """Tell the leads of each piece of ``person``'s work of the next day (``held_soon``) that it needs
    someone else, with a reassign button; returns that work. Their captains, else the coordinators (never
    the person themselves: a captain who is unwell is not told about their own work)."""
    zone = community_zone(session, person.community_id)
    held = held_soon(session, person, now)
    leads_of: dict[int | None, list[int]] = {}  # by team: a few pieces of work, one read of their leads
    for assignment, task in held:
        if task.team_id not in leads_of:
            leads_of[task.team_id] = _leads(session, task, person)
        when: str | dict[str, Any]
        if task.starts_at is not None and task.ends_at is not None:
            msgid, when = UNWELL_SHIFT, window_text(task.starts_at, task.ends_at, zone, now)
        else:
            assert task.due_at is not None
            msgid, when = UNWELL_DEADLINE, moment_param(task.due_at, zone, now)
        reassign = button(
            N_("Reassign {name}"),
            "reassign",
            params={"name": person.name},
            task_id=task.id,
            from_person=person.id,
        )
        for lead in leads_of[task.team_id]:
            notify(
                session,
                dedupe_key=f"unwell:{assignment.id}:{lead}",
                community_id=task.community_id,
                person_id=lead,
                task_id=task.id,
                msgid=msgid,
                params={
                    "name": person.name,
                    "task_id": task.id,
                    "title": task.title,
                    "when": when,
                    **({MOMENTS: ["when"]} if isinstance(when, dict) else {}),
                },
                buttons=[[reassign]],
                at=now,
            )
    return [task for _, task in held]


def _leads(session: Session, task: Task, person: Person) -> list[int]:
    """The task's captains, else the community's coordinators, without ``person``."""
    captains = captains_of(session, task.team_id) if task.team_id else []
    leads = [p for p in captains if p != person.id]
    return leads or [p for p in coordinators_of(session, task.community_id) if p != person.id]


def unwell_today(
    session: Session, community: Community, person_ids: Collection[int], now: datetime
) -> set[int]:
    """Which of ``person_ids`` declared themselves unwell today, in the community's timezone."""
    if not person_ids:
        return set()
    today = now.astimezone(ZoneInfo(community.timezone)).date()
    return set(
        session.scalars(
            select(HealthDeclaration.person_id).where(
                HealthDeclaration.person_id.in_(list(person_ids)),
                HealthDeclaration.day == today,
                HealthDeclaration.healthy.is_(False),
            )
        )
    )
