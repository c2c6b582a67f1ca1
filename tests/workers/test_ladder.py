"""Each task's ladder: reminders, unfilled shifts, auto-assignment, no-shows, overdue work, escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed
from coord.models import LADDER_FINISHED, Assignment, AssignmentState, Event, Priority, Task, WatchColour
from coord.services.escalation.alerts import MESSAGES
from coord.services.escalation.climb import Outcome, climb
from coord.services.escalation.ladder import Condition, frozen_rungs, set_policy
from coord.services.schedule.tick import collect_due
from coord.services.work import claims
from tests.factories import NOW, SYSTEM, World, delivery, gate_shift
from tests.workers.helpers import messages, settle, tick, with_team_chats

REMINDER = MESSAGES[(Condition.CLAIMED, "assignee")]
UNFILLED_TEAM = MESSAGES[(Condition.UNCLAIMED, "team")]
UNFILLED_LEAD = MESSAGES[(Condition.UNCLAIMED, "lead")]
MISSING_LEAD = MESSAGES[(Condition.NOT_CHECKED_IN, "lead")]
OVERDUE_ASSIGNEE = MESSAGES[(Condition.NOT_DONE, "assignee")]
OVERDUE_LEAD = MESSAGES[(Condition.NOT_DONE, "lead")]


def p(person: object) -> str:
    return f"p{person.id}"  # type: ignore[attr-defined]


def actions(session: Session, task: Task) -> list[str]:
    return list(session.scalars(select(Event.action).where(Event.task_id == task.id).order_by(Event.id)))


def test_policy_is_frozen_when_the_escalation_starts(session: Session, world: World) -> None:
    # Given a gate shift two hours ahead
    task = gate_shift(session, world)
    # When the first tick arms it
    tick(session, NOW - timedelta(minutes=1))
    rungs = frozen_rungs(task)
    # Then the ladder is the default for shifts, in time order, pointed at its first rung (start - 2 h)
    assert [r.at(task) for r in rungs] == sorted(r.at(task) for r in rungs)
    assert len(rungs) == 9 and task.escalation_due_at == NOW
    assert "escalation_started" in actions(session, task)
    # And a later change of the community's policy does not touch the task under way
    set_policy(
        session=session, actor=SYSTEM, community=world.community, kind="gate_shift", priority="*", steps=[]
    )
    tick(session, NOW - timedelta(minutes=1))
    assert len(frozen_rungs(task)) == 9


def test_unfilled_shift_tells_the_team_then_auto_assigns_then_stops(session: Session, world: World) -> None:
    with_team_chats(session, world)
    task = gate_shift(session, world)
    # Two hours before the start the team chat is asked, with a Claim button
    settle(session, NOW)
    assert messages(session, task) == [(f"t{world.gate_team.id}", UNFILLED_TEAM)]
    # Half an hour later the roster fills both slots
    settle(session, NOW + timedelta(minutes=30))
    session.refresh(task)
    assert task.filled == 2
    holders = session.scalars(select(Assignment.person_id).where(Assignment.task_id == task.id)).all()
    assert len(holders) == 2 and set(holders) <= {v.id for v in world.volunteers}
    # So at start - 1 h the captain hears nothing: the shift is full
    settle(session, NOW + timedelta(minutes=60))
    assert UNFILLED_LEAD not in [m for _, m in messages(session, task)]


def test_a_claim_fences_off_a_step_already_in_flight(session: Session, world: World) -> None:
    with_team_chats(session, world)
    task = gate_shift(session, world, capacity=1)
    tick(session, NOW - timedelta(minutes=1))  # armed, not yet due
    # Given the step was dispatched with the current token ...
    dispatched = [d for d in collect_due(session, now=NOW) if d.actor == "escalate"]
    assert [d.args for d in dispatched] == [(task.id, task.escalation_token)]
    # ... when a volunteer claims before the message is handled
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    # Then the step finds a stale token and does nothing
    outcome = climb(session=session, task_id=task.id, token=dispatched[0].args[1], now=NOW)
    assert outcome.outcome == Outcome.STALE
    assert UNFILLED_TEAM not in [m for _, m in messages(session, task)]


def test_reminders_go_an_hour_and_ten_minutes_before(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    first, second = world.volunteers[:2]
    claims.claim(session=session, actor=world.actor(first), task_id=task.id, now=NOW)
    claims.claim(session=session, actor=world.actor(second), task_id=task.id, now=NOW)
    start = task.starts_at
    assert start is not None
    for moment in (start - timedelta(minutes=60), start - timedelta(minutes=10)):
        settle(session, moment)
    reminders = [who for who, m in messages(session, task) if m == REMINDER]
    assert sorted(reminders) == sorted([p(first), p(second)] * 2)


def test_no_show_is_marked_then_captain_then_coordinators(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    present, absent = world.volunteers[:2]
    for person in (present, absent):
        claims.claim(session=session, actor=world.actor(person), task_id=task.id, now=NOW)
    start = task.starts_at
    assert start is not None
    claims.check_in(session=session, actor=world.actor(present), task_id=task.id, now=start)
    settle(session, start + timedelta(minutes=10))
    slot = session.scalar(
        select(Assignment).where(Assignment.task_id == task.id, Assignment.person_id == absent.id)
    )
    assert slot is not None and slot.state == AssignmentState.NO_SHOW
    settle(session, start + timedelta(minutes=20))
    settle(session, start + timedelta(minutes=40))
    told = [who for who, m in messages(session, task) if m == MISSING_LEAD]
    assert told == [p(world.gate_captain), p(world.coordinator)]


def test_a_replacement_at_the_post_stops_the_no_show_chain(session: Session, world: World) -> None:
    task = gate_shift(session, world, capacity=1)
    absent, stand_in = world.volunteers[:2]
    claims.claim(session=session, actor=world.actor(absent), task_id=task.id, now=NOW)
    start = task.starts_at
    assert start is not None
    settle(session, start + timedelta(minutes=10))  # marked no-show: the slot is free again
    claims.claim(
        session=session, actor=world.actor(stand_in), task_id=task.id, now=start + timedelta(minutes=12)
    )
    claims.check_in(
        session=session, actor=world.actor(stand_in), task_id=task.id, now=start + timedelta(minutes=15)
    )
    settle(session, start + timedelta(minutes=20))
    settle(session, start + timedelta(minutes=40))
    assert MISSING_LEAD not in [m for _, m in messages(session, task)]


def test_deadline_work_reminds_the_assignee_then_climbs(session: Session, world: World) -> None:
    task = delivery(session, world)
    helper = world.supply_volunteers[0]
    claims.claim(session=session, actor=world.actor(helper), task_id=task.id, now=NOW)
    due = task.due_at
    assert due is not None
    settle(session, due - timedelta(minutes=30))
    settle(session, due)
    assert [(w, m) for w, m in messages(session, task) if m in (OVERDUE_ASSIGNEE, OVERDUE_LEAD)] == [
        (p(helper), OVERDUE_ASSIGNEE),
        (p(world.supply_captain), OVERDUE_LEAD),
    ]
    # Finishing ends the ladder: coordinators are not told an hour later
    claims.complete(
        session=session, actor=world.actor(helper), task_id=task.id, figures={"households": 1}, now=due
    )
    settle(session, due + timedelta(minutes=60))
    assert p(world.coordinator) not in [w for w, m in messages(session, task) if m == OVERDUE_LEAD]
    assert task.escalation_due_at is None


def test_urgent_work_unclaimed_goes_up_to_the_reserve_and_coordinators(
    session: Session, world: World
) -> None:
    with_team_chats(session, world)
    world.gate_team.is_reserve = True
    task = delivery(session, world, priority=Priority.URGENT)
    for minutes in (15, 30, 45):
        settle(session, NOW + timedelta(minutes=minutes))
    urgent = [(w, m) for w, m in messages(session, task) if m in (UNFILLED_TEAM, UNFILLED_LEAD)]
    assert urgent == [
        (f"t{world.supply_team.id}", UNFILLED_TEAM),
        (p(world.supply_captain), UNFILLED_LEAD),
        (f"t{world.gate_team.id}", UNFILLED_TEAM),
        (p(world.coordinator), UNFILLED_LEAD),
    ]


def test_a_red_household_reaches_captain_and_coordinators_at_every_step(
    session: Session, world: World
) -> None:
    world.households[0].watch_colour = WatchColour.RED
    task = delivery(session, world)
    helper = world.supply_volunteers[0]
    claims.claim(session=session, actor=world.actor(helper), task_id=task.id, now=NOW)
    assert task.due_at is not None
    settle(session, task.due_at - timedelta(minutes=30))
    told = {w for w, m in messages(session, task) if m in (OVERDUE_ASSIGNEE, OVERDUE_LEAD)}
    assert told == {p(helper), p(world.supply_captain), p(world.coordinator)}


def test_a_three_hour_clock_jump_runs_each_due_rung_once(session: Session, world: World) -> None:
    with_team_chats(session, world)
    task = gate_shift(session, world)
    absent = world.volunteers[0]
    claims.claim(session=session, actor=world.actor(absent), task_id=task.id, now=NOW)
    tick(session, NOW - timedelta(minutes=5))
    # When the clock jumps to an hour after the start
    later = NOW + timedelta(hours=3)
    settle(session, later)
    settle(session, later)
    sent = messages(session, task)
    # Then no reminder arrives after the start, each audience gets the latest message meant for it once
    # (the team, the captain and the coordinators), and the missing volunteer is marked
    assert REMINDER not in [m for _, m in sent]
    assert sorted(w for w, m in sent if m == UNFILLED_TEAM) == [f"t{world.gate_team.id}"]
    assert sorted(w for w, m in sent if m == UNFILLED_LEAD) == sorted(
        [p(world.gate_captain), p(world.coordinator)]
    )
    assert sorted(w for w, m in sent if m == MISSING_LEAD) == sorted(
        [p(world.gate_captain), p(world.coordinator)]
    )
    slot = session.scalar(
        select(Assignment).where(Assignment.person_id == absent.id, Assignment.task_id == task.id)
    )
    assert slot is not None and slot.state == AssignmentState.NO_SHOW
    skipped = session.scalars(
        select(Event.data).where(Event.task_id == task.id, Event.action == "escalation_skipped")
    )
    assert {d["reason"] for d in skipped} == {"moment_passed"}
    assert task.escalation_step == LADDER_FINISHED


def test_the_same_step_twice_has_one_effect(session: Session, world: World) -> None:
    with_team_chats(session, world)
    task = gate_shift(session, world)
    tick(session, NOW - timedelta(minutes=1))
    dispatched = [d for d in collect_due(session, now=NOW) if d.actor == "escalate"]
    first = climb(session=session, task_id=task.id, token=dispatched[0].args[1], now=NOW)
    again = climb(session=session, task_id=task.id, token=dispatched[0].args[1], now=NOW)
    assert (first.outcome, again.outcome) == (Outcome.CLIMBED, Outcome.STALE)
    assert len(messages(session, task)) == 1


def test_policies_are_checked_and_kept_for_coordinators(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput, match="anchor"):
        set_policy(
            session=session,
            actor=SYSTEM,
            community=world.community,
            kind="delivery",
            priority="*",
            steps=[{"x": 1}],
        )
    with pytest.raises(NotAllowed):
        set_policy(
            session=session,
            actor=world.actor(world.gate_captain),
            community=world.community,
            kind="delivery",
            priority="*",
            steps=[],
        )
    step = {"anchor": "end", "offset": -15, "condition": "not_done", "to": ["coordinators"]}
    policy = set_policy(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="delivery",
        priority="normal",
        steps=[step],
    )
    task = delivery(session, world)
    tick(session, NOW)
    assert task.escalation_policy == {"policy_id": policy.id, "rungs": [{**step, "action": "notify"}]}


def test_nobody_and_no_team_are_read_in_the_readers_language(session: Session, world: World) -> None:
    from coord.i18n import TRANSLATED
    from coord.models import Notification
    from coord.services.outbox.delivery import Envelope, Target, render

    # Given urgent work nobody claimed, escalated to the captain
    task = delivery(session, world, priority=Priority.URGENT)
    settle(session, NOW + timedelta(minutes=15))
    note = session.scalars(
        select(Notification).where(Notification.task_id == task.id, Notification.msgid == UNFILLED_LEAD)
    ).first()
    assert note is not None and note.params[TRANSLATED] == ["names"]
    # When the same alert says "held by nobody" of work with no team, to a Chinese and an English reader
    params = {
        **note.params,
        "names": "nobody",
        "team": "no team",
        "due": "18:00",
        TRANSLATED: ["names", "team"],
    }
    envelope = Envelope(
        notification_id=note.id, attempt=1, msgid=OVERDUE_LEAD, params=params, buttons=[], targets=[]
    )
    chinese = render(envelope, Target("console", "1", False, "zh")).text
    english = render(envelope, Target("console", "1", False, "en")).text
    # Then each reads it in their own language
    assert "无人" in chinese and "未分队" in chinese and "nobody" not in chinese
    assert "Held by: nobody." in english and "of no team" in english


def test_after_downtime_each_audience_gets_the_latest_message_meant_for_it(
    session: Session, world: World
) -> None:
    # Given urgent work nobody claims, armed before the scheduler stops
    with_team_chats(session, world)
    task = delivery(session, world, priority=Priority.URGENT)
    tick(session, NOW)
    # When the scheduler comes back after the team's, the captain's and the coordinators' steps all fell due
    settle(session, NOW + timedelta(minutes=50))
    urgent = [(w, m) for w, m in messages(session, task) if m in (UNFILLED_TEAM, UNFILLED_LEAD)]
    # Then each of them hears once: the captain is not skipped because the coordinators' step is due too
    assert sorted(urgent) == sorted(
        [
            (f"t{world.supply_team.id}", UNFILLED_TEAM),
            (p(world.supply_captain), UNFILLED_LEAD),
            (p(world.coordinator), UNFILLED_LEAD),
        ]
    )


def test_after_downtime_a_person_gets_only_the_latest_reminder(session: Session, world: World) -> None:
    task = gate_shift(session, world, capacity=1)
    holder = world.volunteers[0]
    claims.claim(session=session, actor=world.actor(holder), task_id=task.id, now=NOW)
    assert task.starts_at is not None
    # The scheduler is down over both reminders and comes back five minutes before the start
    settle(session, task.starts_at - timedelta(minutes=5))
    assert [w for w, m in messages(session, task) if m == REMINDER] == [p(holder)]
    skipped = session.scalars(
        select(Event.data).where(Event.task_id == task.id, Event.action == "escalation_skipped")
    )
    assert "superseded" in {d["reason"] for d in skipped}


def _slot(session: Session, task: Task, person: object) -> Assignment:
    found = session.scalar(
        select(Assignment).where(
            Assignment.task_id == task.id,
            Assignment.person_id == person.id,  # type: ignore[attr-defined]
        )
    )
    assert found is not None
    return found


def _missing_names(session: Session, task: Task) -> list[tuple[str, str]]:
    from coord.models import Notification

    rows = session.execute(
        select(Notification.person_id, Notification.params)
        .where(Notification.task_id == task.id, Notification.msgid == MISSING_LEAD)
        .order_by(Notification.id)
    ).all()
    return [(f"p{person}", params["names"]) for person, params in rows]


def test_someone_assigned_before_the_no_show_step_can_still_check_in(session: Session, world: World) -> None:
    task = gate_shift(session, world, capacity=1)
    absent, stand_in = world.volunteers[:2]
    claims.claim(session=session, actor=world.actor(absent), task_id=task.id, now=NOW)
    start = task.starts_at
    assert start is not None
    captain = world.actor(world.gate_captain)
    # Given the captain hands the slot over nine minutes after the start
    claims.reassign(
        session=session,
        actor=captain,
        task_id=task.id,
        from_person=absent,
        to_person=stand_in,
        now=start + timedelta(minutes=9),
    )
    # When the no-show step falls due a minute later
    settle(session, start + timedelta(minutes=10))
    # Then the stand-in is not a no-show: their ten minutes run from the handover, and they check in
    assert _slot(session, task, stand_in).state == AssignmentState.CLAIMED
    claims.check_in(
        session=session, actor=world.actor(stand_in), task_id=task.id, now=start + timedelta(minutes=14)
    )
    assert _slot(session, task, stand_in).state == AssignmentState.CHECKED_IN
    settle(session, start + timedelta(minutes=60))
    assert _missing_names(session, task) == []


def test_someone_assigned_after_the_start_gets_the_grace_period_from_the_assignment(
    session: Session, world: World
) -> None:
    task = gate_shift(session, world, capacity=1)
    absent, stand_in = world.volunteers[:2]
    claims.claim(session=session, actor=world.actor(absent), task_id=task.id, now=NOW)
    start = task.starts_at
    assert start is not None
    settle(session, start + timedelta(minutes=10))
    assert _slot(session, task, absent).state == AssignmentState.NO_SHOW
    # Given the captain fills the freed place a quarter of an hour after the start
    claims.assign(
        session=session,
        actor=world.actor(world.gate_captain),
        task_id=task.id,
        person=stand_in,
        now=start + timedelta(minutes=15),
    )
    # Then at start + 20 min nobody is told the stand-in is missing: they have until start + 25 min
    settle(session, start + timedelta(minutes=20))
    assert stand_in.name not in " ".join(names for _, names in _missing_names(session, task))
    assert _slot(session, task, stand_in).state == AssignmentState.CLAIMED
    # And when they do not come, they are marked at +25, the captain hears at +35, the coordinators at +55
    settle(session, start + timedelta(minutes=25))
    assert _slot(session, task, stand_in).state == AssignmentState.NO_SHOW
    settle(session, start + timedelta(minutes=34))
    assert stand_in.name not in " ".join(names for _, names in _missing_names(session, task))
    settle(session, start + timedelta(minutes=35))
    settle(session, start + timedelta(minutes=55))
    told = [who for who, names in _missing_names(session, task) if stand_in.name in names]
    assert told == [p(world.gate_captain), p(world.coordinator)]
