"""The claim rules, asked on both databases: who may take a slot of which task, and what they are told.

The rule is one function (``work.rules.claim_refusal_reason``) that a claim, an assignment and
auto-assignment share. Every case here runs on both databases: the same answer, in the same words and in
the same order of precedence, and a refusal writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coord.errors import AlreadyClaimed, CoordError, InvalidTransition, NotAllowed, NotFound, TaskFull
from coord.models import Assignment, Event, Notification, Task, TaskStatus
from coord.services.people.communities import create_community
from coord.services.people.people import add_person, declare_health
from coord.services.work import claims
from coord.services.work.tasks import create_task
from tests.factories import NOW, SYSTEM, World, delivery, gate_shift, shift_times


def due_delivery(session: Session, world: World, *, due: datetime) -> Task:
    """A delivery due at ``due`` (created the day before, so it may be due already)."""
    return create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="delivery",
        title="Rice to building 1",
        team=world.supply_team,
        due_at=due,
        now=NOW - timedelta(days=1),
    )


def written(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Assignment, Event, Notification)
    )


def refused(session: Session, world: World, task_id: int, *, at: datetime = NOW, who: int = 0) -> CoordError:
    """Claim ``task_id`` as a volunteer; the error raised, having checked that nothing was written."""
    before = written(session)
    with pytest.raises(CoordError) as caught:
        claims.claim(session=session, actor=world.actor(world.volunteers[who]), task_id=task_id, now=at)
    assert written(session) == before
    return caught.value


@pytest.mark.parametrize("task_id", [999_999, 0, -3, 2**31, 2**40])
def test_an_unknown_task_is_not_found(session: Session, world: World, task_id: int) -> None:
    error = refused(session, world, task_id)
    assert isinstance(error, NotFound)
    assert error.params == {"task_id": task_id}


def test_another_communitys_task_is_not_found_either(session: Session, world: World) -> None:
    other = create_community(session=session, actor=SYSTEM, name="Other", slug="other")
    theirs = create_task(
        session=session, actor=SYSTEM, community=other, kind="delivery", title="Theirs", now=NOW
    )
    error = refused(session, world, theirs.id)
    assert isinstance(error, NotFound) and error.msgid.startswith("There is no task")
    # nor can a person of that community take this community's work
    stranger = add_person(session=session, actor=SYSTEM, community=other, name="Stranger")
    ours = gate_shift(session, world)
    with pytest.raises(NotFound):
        claims.claim(session=session, actor=world.actor(stranger), task_id=ours.id, now=NOW)


@pytest.mark.parametrize("status", [TaskStatus.DONE, TaskStatus.CANCELLED])
def test_closed_work_says_what_became_of_it(session: Session, world: World, status: TaskStatus) -> None:
    task = gate_shift(session, world)
    session.execute(update(Task).where(Task.id == task.id).values(status=status))
    error = refused(session, world, task.id)
    assert isinstance(error, InvalidTransition) and not isinstance(error, TaskFull)
    assert error.params == {"task_id": task.id, "status": str(status)}


def test_a_shift_is_over_at_its_end_and_a_deadline_at_its_due_time(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    assert task.ends_at is not None
    error = refused(session, world, task.id, at=task.ends_at)
    assert isinstance(error, InvalidTransition) and "already over" in error.msgid
    late = due_delivery(session, world, due=NOW - timedelta(minutes=1))
    assert "already over" in refused(session, world, late.id).msgid
    # a shift with a deadline inside its window is over at its end, not at the deadline
    start, end = shift_times(hours_from_now=-1)
    running = create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="gate_shift",
        title="Running",
        team=world.gate_team,
        starts_at=start,
        ends_at=end,
        due_at=NOW - timedelta(minutes=5),
        now=NOW - timedelta(hours=2),
    )
    assert claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=running.id, now=NOW)


def test_missing_skills_are_named_once_each_in_code_point_order(session: Session, world: World) -> None:
    me = world.volunteers[0]
    me.skills = ["driver"]
    # "b-y" before "bx" by code point ("-" is U+002D), after it in a locale's collation, which skips "-"
    task = gate_shift(session, world, skills=["medic", "电工", "driver", "Medic", "medic", "bx", "b-y"])
    error = refused(session, world, task.id)
    assert isinstance(error, NotAllowed)
    assert error.params == {"task_id": task.id, "skills": "b-y, bx, medic, 电工"}
    me.skills = ["driver", "medic", "电工", "cook", "bx", "b-y"]
    assert claims.claim(session=session, actor=world.actor(me), task_id=task.id, now=NOW)


def test_todays_declaration_in_the_communitys_timezone_is_needed_where_asked(
    session: Session, world: World
) -> None:
    world.community.requires_health_declaration = True
    late_evening = datetime(2026, 3, 1, 17, 30, tzinfo=NOW.tzinfo)  # 01:30 on 2 March in Shanghai
    task = due_delivery(session, world, due=late_evening + timedelta(hours=5))
    me = world.actor(world.volunteers[0])
    error = refused(session, world, task.id, at=late_evening)
    assert isinstance(error, NotAllowed) and "health declaration" in error.msgid
    declare_health(
        session=session, actor=me, day=date(2026, 3, 1), healthy=True
    )  # UTC's date: not today there
    assert "health declaration" in refused(session, world, task.id, at=late_evening).msgid
    declare_health(session=session, actor=me, day=date(2026, 3, 2), healthy=False)
    assert "declared yourself unwell today" in refused(session, world, task.id, at=late_evening).msgid
    declare_health(session=session, actor=me, day=date(2026, 3, 2), healthy=True)
    slot = claims.claim(session=session, actor=me, task_id=task.id, now=late_evening)
    assert slot.person_id == world.volunteers[0].id
    # a captain assigning (a member of the team) does not wait for the volunteer's declaration
    other = due_delivery(session, world, due=late_evening + timedelta(hours=5))
    captain = world.actor(world.supply_captain)
    given = claims.assign(
        session=session, actor=captain, task_id=other.id, person=world.supply_volunteers[0], now=late_evening
    )
    assert given.person_id == world.supply_volunteers[0].id


def test_the_first_rule_broken_is_the_one_told(session: Session, world: World) -> None:
    world.community.requires_health_declaration = True
    world.volunteers[0].skills = []
    task = gate_shift(session, world, skills=["medic"])
    assert task.ends_at is not None
    session.execute(update(Task).where(Task.id == task.id).values(status=TaskStatus.CANCELLED))
    assert "is {status}" in refused(session, world, task.id, at=task.ends_at).msgid  # closed, over, skills...
    session.execute(update(Task).where(Task.id == task.id).values(status=TaskStatus.OPEN))
    assert "already over" in refused(session, world, task.id, at=task.ends_at).msgid  # over, skills...
    assert "needs" in refused(session, world, task.id).msgid  # skills, undeclared
    world.volunteers[0].skills = ["medic"]
    assert "health declaration" in refused(session, world, task.id).msgid


def test_a_holder_is_told_so_before_a_full_task_is(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    for who in (0, 1):
        claims.claim(session=session, actor=world.actor(world.volunteers[who]), task_id=task.id, now=NOW)
    assert isinstance(refused(session, world, task.id, who=0), AlreadyClaimed)
    assert isinstance(refused(session, world, task.id, who=2), TaskFull)


def test_a_claim_with_private_details_writes_them_to_the_assignees_outbox(
    session: Session, world: World
) -> None:
    task = delivery(session, world)  # for household 0 (room 301), "Call first"
    slot = claims.claim(
        session=session, actor=world.actor(world.supply_volunteers[0]), task_id=task.id, now=NOW
    )
    private = session.scalars(
        select(Notification).where(Notification.dedupe_key == f"private:{slot.id}")
    ).one()
    assert private.person_id == world.supply_volunteers[0].id and private.private
    assert "301" in private.params["details"] and "Call first" in private.params["details"]
    assert slot.task.id == task.id and slot.task.filled == 1
