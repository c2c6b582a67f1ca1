"""Auto-assignment: the right team and skills, no overlap, rest kept, a cap, fewest hours first; decline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidTransition
from coord.models import Assignment, AssignmentState, Notification, Person, Task
from coord.payloads import payload_of
from coord.services.people.people import declare_health
from coord.services.work import claims
from coord.services.work.autoassign import RosterRules, auto_assign, decline
from coord.services.work.tasks import create_task
from tests.factories import NOW, SYSTEM, World


def shift(
    session: Session,
    world: World,
    *,
    hours_from_now: float,
    capacity: int = 1,
    length: float = 4,
    **extra: object,
) -> Task:
    start = NOW + timedelta(hours=hours_from_now)
    created = min(NOW, start - timedelta(hours=1))
    return create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="gate_shift",
        title=f"Gate at {hours_from_now:+}h",
        team=world.gate_team,
        starts_at=start,
        ends_at=start + timedelta(hours=length),
        capacity=capacity,
        now=created,
        **extra,  # type: ignore[arg-type]
    )


def serve(session: Session, world: World, person: Person, *, hours: float) -> None:
    """``person`` served a gate shift of ``hours`` this week (NOW is Monday 14:00; it began 00:30)."""
    task = shift(session, world, hours_from_now=-13.5, length=hours)
    assert task.starts_at is not None and task.ends_at is not None
    me = world.actor(person)
    claims.claim(session=session, actor=me, task_id=task.id, now=task.starts_at - timedelta(hours=1))
    claims.check_in(session=session, actor=me, task_id=task.id, now=task.starts_at)
    claims.complete(
        session=session, actor=me, task_id=task.id, figures={"people_checked": 1}, now=task.ends_at
    )


def holders(session: Session, task: Task) -> set[int]:
    return set(
        session.scalars(
            select(Assignment.person_id).where(
                Assignment.task_id == task.id, Assignment.state == AssignmentState.CLAIMED
            )
        )
    )


def test_fewest_hours_this_week_first(session: Session, world: World) -> None:
    v1, v2, v3, v4 = world.volunteers
    serve(session, world, v1, hours=6)
    serve(session, world, v2, hours=2)
    serve(session, world, v3, hours=1)
    task = shift(session, world, hours_from_now=1.5, capacity=2)
    given = auto_assign(session=session, task_ids=[task.id], now=NOW)
    assert {a.person_id for a in given} == {v3.id, v4.id} == holders(session, task)
    assert task.filled == 2 and str(task.status) == "full"


def test_skills_decide_before_hours(session: Session, world: World) -> None:
    v2 = world.volunteers[1]
    v2.skills = ["medic"]
    serve(session, world, v2, hours=6)
    task = shift(session, world, hours_from_now=1.5, skills=["medic"])
    auto_assign(session=session, task_ids=[task.id], now=NOW)
    assert holders(session, task) == {v2.id}


def test_no_overlap_and_rest_kept(session: Session, world: World) -> None:
    v1, v2, v3, v4 = world.volunteers
    earlier = shift(session, world, hours_from_now=-3, length=3.5)  # ends 30 min into the new one's rest
    overlapping = shift(session, world, hours_from_now=1)
    claims.assign(session=session, actor=SYSTEM, task_id=earlier.id, person=v1, now=NOW - timedelta(hours=4))
    claims.assign(session=session, actor=SYSTEM, task_id=overlapping.id, person=v2, now=NOW)
    task = shift(session, world, hours_from_now=1.5, capacity=4)
    auto_assign(session=session, task_ids=[task.id], now=NOW, rules=RosterRules(rest=timedelta(hours=8)))
    assert holders(session, task) == {v3.id, v4.id} and task.filled == 2


def test_a_cap_on_open_claims(session: Session, world: World) -> None:
    v1, *_ = world.volunteers
    for day in (2, 4, 6):
        future = shift(session, world, hours_from_now=24 * day)
        claims.claim(session=session, actor=world.actor(v1), task_id=future.id, now=NOW)
    task = shift(session, world, hours_from_now=1.5, capacity=4)
    auto_assign(session=session, task_ids=[task.id], now=NOW, rules=RosterRules(max_open_claims=3))
    assert v1.id not in holders(session, task) and task.filled == 3


def test_work_is_spread_within_one_run(session: Session, world: World) -> None:
    tasks = [shift(session, world, hours_from_now=1.5 + 24 * day) for day in range(4)]
    auto_assign(session=session, task_ids=[t.id for t in tasks], now=NOW)
    chosen = [holders(session, t) for t in tasks]
    assert all(len(c) == 1 for c in chosen) and len(set().union(*chosen)) == 4


def test_the_volunteer_is_told_and_can_decline(session: Session, world: World) -> None:
    task = shift(session, world, hours_from_now=1.5)
    [first] = auto_assign(session=session, task_ids=[task.id], now=NOW)
    told = session.scalars(select(Notification).where(Notification.person_id == first.person_id)).all()
    # the gate shift has nothing private, so no empty "details for you only" message is sent
    assert {n.dedupe_key for n in told} == {f"auto:{first.id}"}
    offer = next(n for n in told if n.dedupe_key.startswith("auto:"))
    assert offer.buttons[0][0] == {"label": "Decline", "action": "decline", "task_id": task.id}
    assert payload_of(offer.buttons[0][0]) == f"dc:{task.id}"
    decliner = session.get_one(Person, first.person_id)
    following = decline(
        session=session, actor=world.actor(decliner), task_id=task.id, now=NOW + timedelta(minutes=5)
    )
    assert following is not None and following.person_id != decliner.id
    assert holders(session, task) == {following.person_id}
    # A slot the volunteer claimed themselves is given back with "release", not declined
    claimed = shift(session, world, hours_from_now=30)
    claims.claim(session=session, actor=world.actor(decliner), task_id=claimed.id, now=NOW)
    with pytest.raises(InvalidTransition, match="release"):
        decline(session=session, actor=world.actor(decliner), task_id=claimed.id, now=NOW)


def test_when_nobody_is_left_the_captain_is_told(session: Session, world: World) -> None:
    for person in world.volunteers[1:]:
        person.active = False
    task = shift(session, world, hours_from_now=1.5)
    [only] = auto_assign(session=session, task_ids=[task.id], now=NOW)
    person = session.get_one(Person, only.person_id)
    assert decline(session=session, actor=world.actor(person), task_id=task.id, now=NOW) is None
    assert session.scalar(
        select(Notification.person_id).where(Notification.dedupe_key.like("declined:%"))
    ) == (world.gate_captain.id)


def test_a_declaration_is_needed_where_the_community_asks(session: Session, world: World) -> None:
    world.community.requires_health_declaration = True
    v3, v4 = world.volunteers[2:]
    declare_health(session=session, actor=world.actor(v3), day=NOW.date(), healthy=True)
    declare_health(session=session, actor=world.actor(v4), day=NOW.date(), healthy=False)
    task = shift(session, world, hours_from_now=1.5, capacity=3)
    auto_assign(session=session, task_ids=[task.id], now=NOW)
    assert holders(session, task) == {v3.id}


def test_private_details_of_rostered_work_go_to_the_assignee_alone(session: Session, world: World) -> None:
    task = shift(session, world, hours_from_now=1.5, private_details="Key box code 4711")
    [given] = auto_assign(session=session, task_ids=[task.id], now=NOW)
    private = session.scalars(select(Notification).where(Notification.private.is_(True))).all()
    assert [(n.dedupe_key, n.person_id, n.team_id) for n in private] == [
        (f"private:{given.id}", given.person_id, None)
    ]
    assert "Key box code 4711" in private[0].params["details"]
