"""Auto-assignment: shifts still unclaimed near their start are given to the fairest free volunteers.

Fair means: the claim rule every claim obeys (``rules.claim_refusal_reason``: the skills it needs, not
unwell today, a healthy declaration where the community asks for one, no overlapping shift), then the
roster's own: the task's team (or, for work without a team, any volunteer of the community), the rest time
kept on both sides of every shift, fewer than a cap of open claims, and the fewest hours served this week
first (hours given in the same run count too). The volunteer is told and can decline, which hands the
slot to the next one. Everything is planned in memory from a handful of queries, then written in bulk.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidTransition, NotFound
from coord.i18n import N_
from coord.models import (
    ACTIVE_STATES,
    HOLDING_STATES,
    Assignment,
    AssignmentState,
    Community,
    Event,
    HealthDeclaration,
    Membership,
    Person,
    Task,
    TaskStatus,
    TeamRole,
)
from coord.payloads import button
from coord.services.outbox.events import event_row, record_event, record_events
from coord.services.outbox.notifications import notify_many
from coord.services.people.access import Actor
from coord.services.work.notices import private_details_message
from coord.services.work.rules import Health, HeldShift, claim_refusal_reason, health_of, lock_people
from coord.services.work.slots import fill_slots

ROSTER = Actor.system("auto-assign")


@dataclass(frozen=True)
class RosterRules:
    rest: timedelta = timedelta(hours=8)  # between the end of one shift and the start of the next
    max_open_claims: int = 3


@dataclass
class _Volunteer:
    person_id: int
    skills: frozenset[str]
    language: str
    health: Health | None  # None where nothing is asked or known
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)  # every shift held, done too
    held: list[HeldShift] = field(default_factory=list)  # the shifts still to do (the claim rule's input)
    open_claims: int = 0
    hours: float = 0.0  # served this week, plus given in this run


def auto_assign(
    *, session: Session, task_ids: list[int], now: datetime | None = None, rules: RosterRules = RosterRules()
) -> list[Assignment]:
    """Fill the free slots of ``task_ids`` (shifts not yet started) fairly; returns the new slots."""
    moment = now or utcnow()
    tasks = _fillable(session, task_ids, moment)
    if not tasks:
        return []
    pools, people = _pools(session, tasks, moment, rules)
    refused = _refused(session, [t.id for t in tasks])
    plan: dict[int, list[int]] = {}
    for task in tasks:
        pool = pools.get(task.team_id or -task.community_id, [])
        chosen = _choose(task, pool, people, refused[task.id], rules, moment)
        if chosen:
            plan[task.id] = chosen
    return _write(session, [t for t in tasks if t.id in plan], plan, people, moment)


def _fillable(session: Session, task_ids: list[int], now: datetime) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(
                Task.id.in_(task_ids),
                Task.status.in_([TaskStatus.OPEN, TaskStatus.IN_PROGRESS]),
                Task.filled < Task.capacity,
                Task.starts_at > now,
                Task.ends_at.is_not(None),
            )
            .order_by(Task.starts_at, Task.id)
        )
    )


def _pools(
    session: Session, tasks: list[Task], now: datetime, rules: RosterRules
) -> tuple[dict[int, list[tuple[float, int]]], dict[int, _Volunteer]]:
    """Volunteers per team (key: team id; work without a team: minus the community id), with their load."""
    teams = {t.team_id for t in tasks if t.team_id is not None}
    communities = {t.community_id for t in tasks}
    rows = session.execute(
        select(Membership.team_id, Person.id, Person.skills, Person.language, Person.community_id)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Person.community_id.in_(communities),
            Person.active.is_(True),
            Membership.role == TeamRole.VOLUNTEER,
        )
    ).all()
    required, declared = _declarations(session, communities, now)
    people: dict[int, _Volunteer] = {}
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, person_id, skills, language, community_id in rows:
        health = health_of(required=community_id in required, declared=declared.get(person_id))
        people.setdefault(person_id, _Volunteer(person_id, frozenset(skills or ()), language, health))
        if team_id in teams:
            members[team_id].add(person_id)
        members[-community_id].add(person_id)
    _load(session, tasks, people, now, rules)
    pools = {key: [(people[p].hours, p) for p in ids if p in people] for key, ids in members.items()}
    for heap in pools.values():
        heapq.heapify(heap)
    return pools, people


def _declarations(session: Session, communities: set[int], now: datetime) -> tuple[set[int], dict[int, bool]]:
    """The communities that ask for a health declaration, and who declared what today (in their
    community's timezone): the claim rule's health (``rules.health_of``) for every volunteer at once."""
    required: set[int] = set()
    declared: dict[int, bool] = {}
    for community in session.scalars(select(Community).where(Community.id.in_(communities))):
        if community.requires_health_declaration:
            required.add(community.id)
        today = now.astimezone(ZoneInfo(community.timezone)).date()
        declared.update(
            session.execute(
                select(HealthDeclaration.person_id, HealthDeclaration.healthy)
                .join(Person, Person.id == HealthDeclaration.person_id)
                .where(Person.community_id == community.id, HealthDeclaration.day == today)
            )
            .tuples()
            .all()
        )
    return required, declared


def _load(
    session: Session, tasks: list[Task], people: dict[int, _Volunteer], now: datetime, rules: RosterRules
) -> None:
    """Each volunteer's shifts near the planned ones, open claims, and hours served this week.

    The volunteers' rows are locked first, as a claim locks its claimer's (``rules.lock_people``), so
    the shifts read here are still theirs when the plan is written; one whose claim is under way this
    very moment is left out of this run (skipped, not waited for: a roster never waits on a person)."""
    locked = lock_people(session, sorted(people), skip_locked=True)
    for person_id in set(people) - locked:
        del people[person_id]
    ids = list(people)
    if not ids:
        return
    low = min(t.starts_at for t in tasks if t.starts_at) - rules.rest - timedelta(days=1)
    high = max(t.ends_at for t in tasks if t.ends_at) + rules.rest
    shifts = session.execute(
        select(Assignment.person_id, Assignment.state, Task.id, Task.title, Task.starts_at, Task.ends_at)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Assignment.person_id.in_(ids),
            Assignment.state.in_(HOLDING_STATES),
            Task.starts_at < high,
            Task.ends_at > low,
        )
    ).all()
    for person_id, state, task_id, title, start, end in shifts:
        people[person_id].windows.append((start, end))
        if state in ACTIVE_STATES:
            people[person_id].held.append(HeldShift(task_id, title, start, end))
    claims = session.execute(
        select(Assignment.person_id, func.count())
        .where(Assignment.person_id.in_(ids), Assignment.state.in_(ACTIVE_STATES))
        .group_by(Assignment.person_id)
    ).all()
    for person_id, count in claims:
        people[person_id].open_claims = count
    served = session.execute(
        select(Assignment.person_id, Assignment.checked_in_at, Assignment.ended_at).where(
            Assignment.person_id.in_(ids),
            Assignment.checked_in_at.is_not(None),
            Assignment.ended_at >= week_start(session, tasks[0].community_id, now),
        )
    ).all()
    for person_id, checked_in, ended in served:
        if ended is not None and checked_in is not None:
            people[person_id].hours += (ended - checked_in).total_seconds() / 3600


def week_start(session: Session, community_id: int, now: datetime) -> datetime:
    """Monday 00:00 of this week in the community's timezone."""
    community = session.get(Community, community_id)
    zone = ZoneInfo(community.timezone if community else "UTC")
    today: date = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, datetime.min.time(), tzinfo=zone)


def _refused(session: Session, task_ids: list[int]) -> dict[int, set[int]]:
    """People who hold, held, released, declined or missed each task: never asked again for it."""
    refused: dict[int, set[int]] = defaultdict(set)
    for task_id, person_id in session.execute(
        select(Assignment.task_id, Assignment.person_id).where(Assignment.task_id.in_(task_ids))
    ):
        refused[task_id].add(person_id)
    return refused


def _choose(
    task: Task,
    pool: list[tuple[float, int]],
    people: dict[int, _Volunteer],
    refused: set[int],
    rules: RosterRules,
    now: datetime,
) -> list[int]:
    """Pop the least-loaded eligible volunteers for ``task``'s free slots; the rest go back in the heap."""
    assert task.starts_at is not None and task.ends_at is not None
    needed = task.capacity - task.filled
    chosen: list[int] = []
    passed: list[tuple[float, int]] = []
    hours = (task.ends_at - task.starts_at).total_seconds() / 3600
    while pool and len(chosen) < needed:
        load, person_id = heapq.heappop(pool)
        volunteer = people[person_id]
        if load != volunteer.hours:  # a stale entry: this person was given other work since
            heapq.heappush(pool, (volunteer.hours, person_id))
            continue
        if _eligible(task, volunteer, refused, rules, now):
            chosen.append(person_id)
            volunteer.hours += hours
            volunteer.open_claims += 1
            volunteer.windows.append((task.starts_at, task.ends_at))
            volunteer.held.append(HeldShift(task.id, task.title, task.starts_at, task.ends_at))
        passed.append((volunteer.hours, person_id))
    for entry in passed:
        heapq.heappush(pool, entry)
    return chosen


def _eligible(
    task: Task, volunteer: _Volunteer, refused: set[int], rules: RosterRules, now: datetime
) -> bool:
    """The claim rule every claim obeys, then the roster's own: never ask again someone who held or refused
    the task, a cap of open claims, and no overlapping shift with the rest time kept on both sides."""
    held, health = volunteer.held, volunteer.health
    if claim_refusal_reason(task, volunteer.skills, now, health=health, held=held) is not None:
        return False
    if volunteer.person_id in refused or volunteer.open_claims >= rules.max_open_claims:
        return False
    start, end = task.starts_at, task.ends_at
    assert start is not None and end is not None
    return all(not (start < e + rules.rest and s < end + rules.rest) for s, e in volunteer.windows)


def _write(
    session: Session,
    tasks: list[Task],
    plan: dict[int, list[int]],
    people: dict[int, _Volunteer],
    now: datetime,
) -> list[Assignment]:
    """Take the planned slots (one conditional update per slot count); write the rest in bulk."""
    taken: set[int] = set()
    for count in sorted({len(chosen) for chosen in plan.values()}):
        filled = fill_slots(session, [t.id for t in tasks if len(plan[t.id]) == count], count)
        taken.update(task.id for task in filled)
    given = [(task, person_id) for task in tasks if task.id in taken for person_id in plan[task.id]]
    slots = [Assignment(task_id=t.id, person_id=p, claimed_at=now) for t, p in given]
    session.add_all(slots)
    session.flush()
    events, messages = [], []
    for (task, person_id), slot in zip(given, slots, strict=True):
        hours = round(people[person_id].hours, 1)
        events.append(
            event_row(
                actor=ROSTER,
                action="assigned",
                community_id=task.community_id,
                at=now,
                assignment=slot,
                auto=True,
                hours_this_week=hours,
            )
        )
        messages += _messages(session, task, slot)
    record_events(session, events)
    notify_many(session, messages, now=now)
    return slots


def _messages(session: Session, task: Task, slot: Assignment) -> list[dict[str, Any]]:
    """What the roster's choice is told: that the task is theirs and how to decline, and the task's
    private details (the assignee alone gets them, as after any claim)."""
    given = {
        "community_id": task.community_id,
        "person_id": slot.person_id,
        "task_id": task.id,
        "dedupe_key": f"auto:{slot.id}",
        "msgid": N_(
            "You have been given task #{task_id} “{title}” by the roster: you have served the fewest "
            "hours this week. If you cannot do it, press Decline and the next person is asked."
        ),
        "params": {"task_id": task.id, "title": task.title},
        "buttons": [
            [
                button(N_("Decline"), "decline", task_id=task.id),
                button(N_("Show task"), "task", task_id=task.id),
            ]
        ],
    }
    details = private_details_message(session, task, slot)
    return [given] if details is None else [given, details]


def decline(
    *, session: Session, actor: Actor, task_id: int, now: datetime | None = None
) -> Assignment | None:
    """The volunteer gives back a slot the roster gave them; the next fair choice gets it (returned)."""
    from coord.services.work.claims import release
    from coord.services.work.notices import tell_leads
    from coord.services.work.tasks import get_task

    person = actor.require_person()
    task = get_task(session, task_id, community_id=person.community_id)
    slot = session.scalar(
        select(Assignment).where(
            Assignment.task_id == task.id,
            Assignment.person_id == person.id,
            Assignment.state == AssignmentState.CLAIMED,
        )
    )
    if slot is None:
        raise NotFound(N_("You do not hold a slot of task #{task_id}."), task_id=task.id)
    if not _given_by_roster(session, slot.id):
        raise InvalidTransition(
            N_("You claimed task #{task_id} yourself; give it back with “release” instead."), task_id=task.id
        )
    moment = now or utcnow()
    release(session=session, actor=actor, task_id=task.id, reason="declined", now=moment)
    record_event(
        session, actor=actor, action="declined", community_id=task.community_id, assignment=slot, at=moment
    )
    following = auto_assign(session=session, task_ids=[task.id], now=moment)
    if not following:
        tell_leads(
            session,
            task,
            key=f"declined:{slot.id}",
            msgid=N_(
                "{name} declined task #{task_id} “{title}” and nobody else is free for it. "
                "Please find someone."
            ),
            params={"name": person.name, "task_id": task.id, "title": task.title},
            at=moment,
        )
    return following[0] if following else None


def _given_by_roster(session: Session, assignment_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Event.assignment_id == assignment_id,
                    Event.action == "assigned",
                    Event.channel == ROSTER.channel,
                )
            )
        )
    )
