"""Shift discipline (不得无故脱岗), on SQLite and PostgreSQL: done only after the check-in and the start (a
captain may record it for the holder, with a reason); on a shift of several people each keeps their place
until they finish or the shift ends; one person never holds two overlapping shifts (DESIGN.md invariant 11),
whoever gives the slot; "not well" hands the day's work to the captain at once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.db import make_session_factory
from coord.errors import CoordError, InvalidInput, InvalidTransition, NotAllowed
from coord.i18n import shown_moments
from coord.models import Assignment, AssignmentState, Event, Notification, Person, Task, TaskStatus
from coord.payloads import payload_of
from coord.services.people.people import declare_health
from coord.services.reporting.summary import compute_summary
from coord.services.work import boards, claims
from coord.services.work.autoassign import RosterRules, auto_assign
from coord.services.work.rules import Health, HeldShift, claim_refusal_reason
from coord.services.work.stand_down import UNWELL_DEADLINE, UNWELL_SHIFT
from tests.conftest import FreshDatabase
from tests.factories import NOW, SYSTEM, World, build_world, delivery, gate_shift
from tests.workers.helpers import messages, settle

PEOPLE = {"people_checked": 30}


def written(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Assignment, Event, Notification)
    )


def state_of(session: Session, task: Task, person: Person) -> AssignmentState | None:
    return session.scalar(
        select(Assignment.state).where(Assignment.task_id == task.id, Assignment.person_id == person.id)
    )


# --- done: after the check-in and the start ------------------------------------------------------------


def test_done_on_a_shift_waits_for_the_check_in_and_the_start(session: Session, world: World) -> None:
    # Given a gate shift 16:00–20:00 (Shanghai) held by two volunteers
    task = gate_shift(session, world)
    assert task.starts_at is not None
    early, late = world.actor(world.volunteers[0]), world.actor(world.volunteers[1])
    for who in (early, late):
        claims.claim(session=session, actor=who, task_id=task.id, now=NOW)
    claims.check_in(session=session, actor=early, task_id=task.id, now=task.starts_at - timedelta(minutes=30))
    # When the one checked in half an hour early says done before the start
    before = written(session)
    with pytest.raises(InvalidTransition) as refused:
        claims.complete(
            session=session,
            actor=early,
            task_id=task.id,
            figures=PEOPLE,
            now=task.starts_at - timedelta(minutes=5),
        )
    # Then it is refused, saying when it may be reported, and nothing changes
    assert refused.value.msgid.startswith("Task #{task_id} starts at {start}; it can be reported done")
    assert shown_moments(refused.value.params, "en") == {"task_id": task.id, "start": "16:00"}
    assert (
        written(session) == before
        and state_of(session, task, world.volunteers[0]) == AssignmentState.CHECKED_IN
    )
    # the one not checked in is told to check in first, before the start and after it
    with pytest.raises(
        InvalidTransition, match="Check in at your post first, then report it done after the start"
    ):
        claims.complete(
            session=session,
            actor=late,
            task_id=task.id,
            figures=PEOPLE,
            now=task.starts_at - timedelta(minutes=1),
        )
    with pytest.raises(InvalidTransition, match=r"^Check in at your post first"):
        claims.complete(
            session=session,
            actor=late,
            task_id=task.id,
            figures=PEOPLE,
            now=task.starts_at + timedelta(hours=1),
        )
    # and once the shift has begun, the checked-in holder's done is accepted
    done = claims.complete(
        session=session,
        actor=early,
        task_id=task.id,
        figures=PEOPLE,
        now=task.starts_at + timedelta(minutes=1),
    )
    assert done.state == AssignmentState.DONE and done.figures == PEOPLE


def test_work_with_a_window_but_no_check_in_is_done_only_after_the_start(
    session: Session, world: World
) -> None:
    start = NOW + timedelta(hours=2)
    patrol = gate_shift(
        session,
        world,
        kind="patrol",
        title="Evening round",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    me = world.actor(world.volunteers[0])
    claims.claim(session=session, actor=me, task_id=patrol.id, now=NOW)
    with pytest.raises(InvalidTransition, match="reported done only after the start"):
        claims.complete(session=session, actor=me, task_id=patrol.id, figures={"issues_found": 0}, now=NOW)
    done = claims.complete(
        session=session, actor=me, task_id=patrol.id, figures={"issues_found": 2}, now=start
    )
    assert done.state == AssignmentState.DONE  # no check-in needed for a round, only the start
    # deadline work is unchanged: done whenever it is done
    parcel = delivery(session, world)
    helper = world.actor(world.supply_volunteers[0])
    claims.claim(session=session, actor=helper, task_id=parcel.id, now=NOW)
    assert claims.complete(
        session=session, actor=helper, task_id=parcel.id, figures={"households": 1}, now=NOW
    )


def test_a_captain_records_done_for_a_holder_with_a_reason(session: Session, world: World) -> None:
    # Given a holder who never checked in through the bot (no phone at the post)
    task = gate_shift(session, world)
    assert task.starts_at is not None
    holder = world.volunteers[1]
    claims.claim(session=session, actor=world.actor(holder), task_id=task.id, now=NOW)
    captain = world.actor(world.gate_captain)
    after = task.starts_at + timedelta(hours=3)
    before = written(session)
    # a reason is needed, the shift must have begun, and only a lead of the team may do it
    with pytest.raises(InvalidInput, match="Say why you record task"):
        claims.complete(
            session=session, actor=captain, task_id=task.id, figures=PEOPLE, person=holder, now=after
        )
    with pytest.raises(InvalidTransition, match="reported done only after the start"):
        claims.complete(
            session=session,
            actor=captain,
            task_id=task.id,
            figures=PEOPLE,
            note="paper list",
            person=holder,
            now=NOW,
        )
    for stranger in (world.volunteers[0], world.supply_captain):
        with pytest.raises(NotAllowed):
            claims.complete(
                session=session,
                actor=world.actor(stranger),
                task_id=task.id,
                figures=PEOPLE,
                note="paper list",
                person=holder,
                now=after,
            )
    with pytest.raises(CoordError, match="Volunteer 3 does not hold a slot"):
        claims.complete(
            session=session,
            actor=captain,
            task_id=task.id,
            figures=PEOPLE,
            note="paper list",
            person=world.volunteers[2],
            now=after,
        )
    assert written(session) == before
    # When the captain records it with a reason
    done = claims.complete(
        session=session,
        actor=captain,
        task_id=task.id,
        figures=PEOPLE,
        note="no phone at the post; paper list shows 30",
        person=holder,
        now=after,
    )
    # Then the holder's own slot is done with their figures and the reason, recorded as on their behalf
    assert (done.person_id, done.state, done.figures) == (holder.id, AssignmentState.DONE, PEOPLE)
    assert done.note == "no phone at the post; paper list shows 30"
    event = session.scalars(select(Event).where(Event.action == "completed")).one()
    assert event.actor_id == world.gate_captain.id and event.data.get("on_behalf") is True


# --- several people: each keeps their place -----------------------------------------------------------


def two_at_their_post(session: Session, world: World) -> tuple[Task, Person, Person]:
    """A gate shift for two, claimed by Volunteers 1 and 2, both checked in at the start."""
    task = gate_shift(session, world, capacity=2)
    first, second = world.volunteers[:2]
    for person in (first, second):
        claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
        claims.check_in(session=session, actor=world.actor(person), task_id=task.id, now=task.starts_at)
    return task, first, second


def test_one_finishing_early_leaves_the_others_place_and_nothing_unfilled(
    session: Session, world: World
) -> None:
    # Given a gate shift for two, both at their post
    task, first, second = two_at_their_post(session, world)
    assert task.starts_at is not None and task.ends_at is not None
    # When the first finishes an hour in, with their own figures
    early = task.starts_at + timedelta(hours=1)
    claims.complete(
        session=session, actor=world.actor(first), task_id=task.id, figures={"people_checked": 12}, now=early
    )
    # Then the second still holds their place, and nothing is counted unfilled or missing
    assert state_of(session, task, second) == AssignmentState.CHECKED_IN
    assert (task.status, task.filled) == (TaskStatus.IN_PROGRESS, 2)
    board = boards.team_board(session, actor=world.actor(world.gate_captain), team=world.gate_team, now=early)
    assert [(p.name, s) for p, s in board.holders[task.id]] == [
        ("Volunteer 1", AssignmentState.DONE),
        ("Volunteer 2", AssignmentState.CHECKED_IN),
    ]
    assert board.unfilled(early) == [] and board.needs_someone_else() == []
    figures = boards.todays_figures(session, actor=SYSTEM, community=world.community, now=early)
    assert figures.unfilled == 0 and figures.open_now == 0
    settle(session, task.starts_at + timedelta(minutes=45))  # every rung before and after the start has run
    assert messages(session, task) == [] and state_of(session, task, second) == AssignmentState.CHECKED_IN
    # a done holder keeps their place: the captain is not offered them again, nor to replace them
    holders, candidates = boards.reassign_choices(session, actor=world.actor(world.gate_captain), task=task)
    assert [p.name for p in holders] == ["Volunteer 2"] and first not in candidates
    # When the second finishes too, the task is done, with each one's figures
    claims.complete(
        session=session,
        actor=world.actor(second),
        task_id=task.id,
        figures={"people_checked": 30},
        now=task.ends_at - timedelta(minutes=1),  # within the day the summary reports (it closes at 20:00)
    )
    assert task.status == TaskStatus.DONE
    summary = compute_summary(session, world.community, date(2026, 3, 2))
    assert summary["today"]["unfilled"] == 0
    # one task done, by two people's completions
    assert summary["today"]["kinds"]["gate_shift"] == {
        "done": 1,
        "completions": 2,
        "figures": {"people_checked": 42},
    }


def test_at_the_end_of_the_shift_a_done_closes_it_and_the_other_keeps_their_place(
    session: Session, world: World
) -> None:
    task, first, second = two_at_their_post(session, world)
    assert task.starts_at is not None and task.ends_at is not None
    # the first reports when the shift is over; the second has not reported yet
    claims.complete(
        session=session, actor=world.actor(first), task_id=task.id, figures=PEOPLE, now=task.ends_at
    )
    assert task.status == TaskStatus.DONE
    assert state_of(session, task, second) == AssignmentState.CHECKED_IN and task.filled == 2
    # the second's own report is still taken, with their own figures
    later = claims.complete(
        session=session,
        actor=world.actor(second),
        task_id=task.id,
        figures={"people_checked": 7},
        now=task.ends_at + timedelta(minutes=20),
    )
    assert later.figures == {"people_checked": 7}


# --- one person, one place at a time ------------------------------------------------------------------


def test_a_claim_of_an_overlapping_shift_is_refused_naming_the_one_held(
    session: Session, world: World
) -> None:
    # Given a volunteer holding the 16:00–20:00 gate shift
    held = gate_shift(session, world)
    me = world.actor(world.volunteers[0])
    claims.claim(session=session, actor=me, task_id=held.id, now=NOW)
    overlapping = gate_shift(session, world, hours_from_now=4, title="South gate")  # 18:00–22:00
    touching = gate_shift(session, world, hours_from_now=-2, title="East gate")  # 12:00–16:00, under way
    # When they claim the overlapping one, it is refused, naming the shift they hold, and nothing is written
    before = written(session)
    with pytest.raises(NotAllowed) as refused:
        claims.claim(session=session, actor=me, task_id=overlapping.id, now=NOW)
    assert refused.value.params == {
        "task_id": overlapping.id,
        "held_id": held.id,
        "title": "North gate",
        "window": "16:00–20:00",
    }
    assert str(refused.value).startswith(f"You hold task #{held.id} “North gate” 16:00–20:00 then")
    assert written(session) == before and overlapping.filled == 0
    # a shift that ends when the held one begins does not overlap, nor does deadline work
    assert claims.claim(session=session, actor=me, task_id=touching.id, now=NOW)
    parcel = delivery(session, world, due_at=NOW + timedelta(hours=3), team=world.gate_team)
    assert claims.claim(session=session, actor=me, task_id=parcel.id, now=NOW)
    # once the held shift is given back, or finished, the overlapping one may be taken
    claims.release(session=session, actor=me, task_id=held.id, now=NOW)
    assert claims.claim(session=session, actor=me, task_id=overlapping.id, now=NOW)


def test_a_finished_shift_no_longer_holds_its_person(session: Session, world: World) -> None:
    first = gate_shift(session, world, hours_from_now=-1)  # 13:00–17:00, under way
    me = world.actor(world.volunteers[0])
    claims.claim(session=session, actor=me, task_id=first.id, now=NOW - timedelta(hours=2))
    claims.check_in(session=session, actor=me, task_id=first.id, now=NOW - timedelta(hours=1))
    next_one = gate_shift(session, world, hours_from_now=2)  # 16:00–20:00 overlaps until 17:00
    with pytest.raises(NotAllowed, match="You hold task"):
        claims.claim(session=session, actor=me, task_id=next_one.id, now=NOW)
    claims.complete(session=session, actor=me, task_id=first.id, figures=PEOPLE, now=NOW)
    assert claims.claim(session=session, actor=me, task_id=next_one.id, now=NOW)


def test_assign_and_reassign_refuse_a_clash_naming_the_person(session: Session, world: World) -> None:
    busy, free = world.volunteers[0], world.volunteers[2]
    held = gate_shift(session, world)  # 16:00–20:00
    claims.claim(session=session, actor=world.actor(busy), task_id=held.id, now=NOW)
    other = gate_shift(session, world, hours_from_now=3, title="South gate")  # 17:00–21:00
    claims.claim(session=session, actor=world.actor(world.volunteers[1]), task_id=other.id, now=NOW)
    captain = world.actor(world.gate_captain)
    before = written(session)
    with pytest.raises(NotAllowed) as assigned:
        claims.assign(session=session, actor=captain, task_id=other.id, person=busy, now=NOW)
    assert str(assigned.value).startswith(f"Volunteer 1 holds task #{held.id} “North gate” 16:00–20:00 then")
    with pytest.raises(NotAllowed, match="Volunteer 1 holds task"):
        claims.reassign(
            session=session,
            actor=captain,
            task_id=other.id,
            from_person=world.volunteers[1],
            to_person=busy,
            now=NOW,
        )
    assert written(session) == before
    assert state_of(session, other, world.volunteers[1]) == AssignmentState.CLAIMED  # still theirs
    claims.reassign(
        session=session,
        actor=captain,
        task_id=other.id,
        from_person=world.volunteers[1],
        to_person=free,
        now=NOW,
    )
    assert state_of(session, other, free) == AssignmentState.CLAIMED


def test_the_claim_rule_reads_the_held_shifts_for_every_path(session: Session, world: World) -> None:
    task = gate_shift(session, world)  # 16:00–20:00
    assert task.starts_at is not None and task.ends_at is not None
    hour = timedelta(hours=1)
    inside = HeldShift(99, "Other gate", task.starts_at + hour, task.starts_at + 2 * hour)
    after = HeldShift(98, "Later gate", task.ends_at, task.ends_at + hour)
    same = HeldShift(task.id, task.title, task.starts_at, task.ends_at)
    rule = claim_refusal_reason
    assert rule(task, [], NOW, health=None, held=[after, same]) is None
    refused = rule(task, [], NOW, health=Health.WELL, held=[after, inside])
    assert refused is not None and (refused.reason, refused.clash) == ("clash", inside)
    # being unwell comes first, then the missing declaration, then the clash
    assert rule(task, [], NOW, health=Health.UNWELL, held=[inside]).reason == "unwell"  # type: ignore[union-attr]
    assert rule(task, [], NOW, health=Health.UNDECLARED, held=[inside]).reason == "undeclared"  # type: ignore[union-attr]


def test_auto_assignment_gives_no_overlapping_shift_even_without_rest_nor_work_to_the_unwell(
    session: Session, world: World
) -> None:
    # only Volunteers 1 and 2 are in the roster's pool
    for person in world.volunteers[2:]:
        person.active = False
    busy, unwell = world.volunteers[:2]
    held = gate_shift(session, world, hours_from_now=1.5, capacity=1, title="Held")  # 15:30–19:30
    claims.claim(session=session, actor=world.actor(busy), task_id=held.id, now=NOW)
    declare_health(session=session, actor=world.actor(unwell), day=date(2026, 3, 2), healthy=False)
    no_rest = RosterRules(rest=timedelta(0))
    overlapping = gate_shift(session, world, hours_from_now=1.75, capacity=2, title="Overlapping")
    assert auto_assign(session=session, task_ids=[overlapping.id], now=NOW, rules=no_rest) == []
    # the unwell volunteer is not given work even where the community asks for no declaration
    assert not world.community.requires_health_declaration
    after = gate_shift(session, world, hours_from_now=5.5, capacity=2, title="After")  # 19:30–23:30
    [given] = auto_assign(session=session, task_ids=[after.id], now=NOW, rules=no_rest)
    assert given.person_id == busy.id


def test_an_unwell_volunteers_claim_is_refused_saying_so_where_no_declaration_is_asked(
    session: Session, world: World
) -> None:
    me = world.actor(world.volunteers[0])
    task = gate_shift(session, world)
    declare_health(session=session, actor=me, day=date(2026, 3, 2), healthy=False)
    with pytest.raises(NotAllowed, match="You declared yourself unwell today"):
        claims.claim(session=session, actor=me, task_id=task.id, now=NOW)
    declare_health(session=session, actor=me, day=date(2026, 3, 2), healthy=True)  # well again
    assert claims.claim(session=session, actor=me, task_id=task.id, now=NOW)


# --- not well: the work of the next day goes to the captain -------------------------------------------


def test_not_well_hands_the_next_days_work_to_the_captain_with_a_reassign_button(
    session: Session, world: World
) -> None:
    # Given a volunteer holding a shift today, one the day after tomorrow, and a delivery due today
    me = world.volunteers[0]
    today = gate_shift(session, world)  # 16:00–20:00
    far = gate_shift(session, world, hours_from_now=50, title="Far gate")
    parcel = delivery(session, world, team=world.gate_team)  # due 17:00
    for task in (today, far, parcel):
        claims.claim(session=session, actor=world.actor(me), task_id=task.id, now=NOW)
    # When they declare themselves not well
    declare_health(session=session, actor=world.actor(me), day=date(2026, 3, 2), healthy=False, now=NOW)
    # Then the captain is told at once of the work of the next 24 hours, each with a reassign button
    told = session.scalars(
        select(Notification)
        .where(Notification.msgid.in_([UNWELL_SHIFT, UNWELL_DEADLINE]))
        .order_by(Notification.id)
    ).all()
    assert [(n.person_id, n.task_id, n.msgid, shown_moments(n.params, "en")["when"]) for n in told] == [
        (world.gate_captain.id, today.id, UNWELL_SHIFT, "16:00–20:00"),
        (world.gate_captain.id, parcel.id, UNWELL_DEADLINE, "17:00"),
    ]
    assert all(n.next_attempt_at == NOW for n in told)
    assert [payload_of(b) for b in told[0].buttons[0]] == [f"rf:{today.id}:{me.id}"]
    # the board marks them and asks for someone else; nothing is taken from them meanwhile
    board = boards.team_board(session, actor=world.actor(world.gate_captain), team=world.gate_team, now=NOW)
    assert board.unwell == {me.id}
    assert {t.id for t in board.needs_someone_else()} == {today.id, parcel.id, far.id}
    assert state_of(session, today, me) == AssignmentState.CLAIMED
    # declaring it again writes nothing twice
    declare_health(session=session, actor=world.actor(me), day=date(2026, 3, 2), healthy=False, now=NOW)
    assert session.scalar(select(func.count()).where(Notification.msgid == UNWELL_SHIFT)) == 1


def test_an_unwell_captain_is_not_told_about_their_own_work(session: Session, world: World) -> None:
    captain = world.gate_captain
    task = gate_shift(session, world)
    claims.claim(session=session, actor=world.actor(captain), task_id=task.id, now=NOW)
    declare_health(session=session, actor=world.actor(captain), day=date(2026, 3, 2), healthy=False, now=NOW)
    told = session.scalars(select(Notification.person_id).where(Notification.msgid == UNWELL_SHIFT)).all()
    assert told == [world.coordinator.id]


# --- invariant 11 under concurrency --------------------------------------------------------------------

THREADS = 16


def test_one_person_claiming_two_overlapping_shifts_at_once_gets_one(fresh_db: FreshDatabase) -> None:
    # Given two overlapping shifts with room for everyone, and one volunteer
    factory = make_session_factory(fresh_db.engine(pool_size=THREADS + 2))
    with factory() as session, session.begin():
        world = build_world(session, volunteers=1)
        shifts = [gate_shift(session, world, capacity=10).id, gate_shift(session, world, hours_from_now=3).id]
        person_id = world.volunteers[0].id
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def claimer(task_id: int) -> None:
        barrier.wait()
        try:
            with factory() as session, session.begin():
                person = session.get_one(Person, person_id)
                claims.claim(session=session, actor=world.actor(person), task_id=task_id, now=NOW)
            outcome = f"claimed {task_id}"
        except NotAllowed:
            outcome = "clash"
        except InvalidTransition:
            outcome = "already"
        with lock:
            outcomes[outcome] += 1

    # When it claims both of them from many sessions at the same moment
    threads = [threading.Thread(target=claimer, args=(shifts[i % 2],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Then it holds exactly one of them, and every other attempt was told why
    assert sum(outcomes.values()) == THREADS
    assert sum(n for outcome, n in outcomes.items() if outcome.startswith("claimed")) == 1
    with factory() as session:
        held = session.scalars(select(Assignment.task_id).where(Assignment.person_id == person_id)).all()
        assert len(held) == 1
        assert sorted(session.scalars(select(Task.filled).order_by(Task.id))) == [0, 1]
