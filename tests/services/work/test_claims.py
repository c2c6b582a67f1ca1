"""The assignment lifecycle through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import AlreadyClaimed, InvalidFigures, InvalidTransition, NotAllowed, NotFound, TaskFull
from coord.models import AssignmentState, Event, Notification, TaskStatus, WatchColour
from coord.payloads import payload_of
from coord.services.work import claims
from coord.services.work.tasks import cancel_task
from tests.factories import NOW, SYSTEM, World, checkin_call, delivery, gate_shift


def events(session: Session, task_id: int) -> list[str]:
    return list(session.scalars(select(Event.action).where(Event.task_id == task_id).order_by(Event.id)))


def test_claim_fills_the_task_and_records_an_event(session: Session, world: World) -> None:
    # Given a gate shift for two
    task = gate_shift(session, world)
    # When two volunteers claim it
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    assert task.status == TaskStatus.OPEN and task.filled == 1
    claims.claim(session=session, actor=world.actor(world.volunteers[1]), task_id=task.id, now=NOW)
    # Then it is full, and a third is told so
    assert task.status == TaskStatus.FULL and task.filled == 2
    with pytest.raises(TaskFull, match="full"):
        claims.claim(session=session, actor=world.actor(world.volunteers[2]), task_id=task.id, now=NOW)
    assert events(session, task.id) == ["task_created", "claimed", "claimed"]


def test_one_person_holds_one_slot(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    with pytest.raises(AlreadyClaimed):
        claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    assert task.filled == 1


def test_gate_shift_needs_check_in_before_done(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    me = world.actor(world.volunteers[0])
    claims.claim(session=session, actor=me, task_id=task.id, now=NOW)
    with pytest.raises(InvalidTransition, match="Check in"):
        claims.complete(session=session, actor=me, task_id=task.id, figures={"people_checked": 10}, now=NOW)
    # checking in three hours early is refused
    with pytest.raises(InvalidTransition, match="starts at 16:00"):
        claims.check_in(session=session, actor=me, task_id=task.id, now=NOW - timedelta(hours=1))
    claims.check_in(session=session, actor=me, task_id=task.id, now=task.starts_at)
    assert task.status == TaskStatus.IN_PROGRESS
    done = claims.complete(
        session=session,
        actor=me,
        task_id=task.id,
        figures={"people_checked": "120", "temperatures": 118, "turned_away": 2},
        now=task.ends_at,
    )
    assert done.state == AssignmentState.DONE
    assert done.figures == {"people_checked": 120, "temperatures": 118, "turned_away": 2}
    assert task.status == TaskStatus.DONE
    assert events(session, task.id) == ["task_created", "claimed", "checked_in", "completed"]


@pytest.mark.parametrize(
    ("figures", "message"),
    [
        ({}, "Please give households"),
        ({"households": "many"}, "must be a whole number"),
        ({"households": -1}, "between 0 and 100000"),
        ({"households": 1, "litres": 3}, "does not record"),
    ],
)
def test_bad_figures_change_nothing(session: Session, world: World, figures: dict, message: str) -> None:
    task = delivery(session, world)
    me = world.actor(world.supply_volunteers[0])
    claims.claim(session=session, actor=me, task_id=task.id, now=NOW)
    with pytest.raises(InvalidFigures, match=message):
        claims.complete(session=session, actor=me, task_id=task.id, figures=figures, now=NOW)
    assert task.status == TaskStatus.FULL
    assert events(session, task.id) == ["task_created", "claimed"]


def test_release_before_start_frees_the_slot_and_not_after(session: Session, world: World) -> None:
    task = gate_shift(session, world, capacity=1)
    me = world.actor(world.volunteers[0])
    claims.claim(session=session, actor=me, task_id=task.id, now=NOW)
    assert task.status == TaskStatus.FULL
    claims.release(session=session, actor=me, task_id=task.id, reason="fever", now=NOW)
    assert task.status == TaskStatus.OPEN and task.filled == 0
    claims.claim(session=session, actor=me, task_id=task.id, now=NOW)  # claiming again is fine
    with pytest.raises(InvalidTransition, match="can't complete"):
        claims.release(session=session, actor=me, task_id=task.id, now=task.starts_at + timedelta(minutes=5))


def test_cannot_complete_tells_the_captain(session: Session, world: World) -> None:
    task = delivery(session, world)
    me = world.actor(world.supply_volunteers[0])
    claims.claim(session=session, actor=me, task_id=task.id, now=NOW)
    claims.cannot_complete(session=session, actor=me, task_id=task.id, reason="road closed", now=NOW)
    assert task.status == TaskStatus.OPEN
    told = session.scalars(
        select(Notification).where(Notification.person_id == world.supply_captain.id)
    ).all()
    assert [n.params["reason"] for n in told] == ["road closed"]


def test_private_details_go_to_the_assignee_only(session: Session, world: World) -> None:
    task = delivery(session, world)
    claims.claim(session=session, actor=world.actor(world.supply_volunteers[0]), task_id=task.id, now=NOW)
    private = session.scalars(select(Notification).where(Notification.private.is_(True))).all()
    assert len(private) == 1
    assert private[0].person_id == world.supply_volunteers[0].id and private[0].team_id is None
    assert "13800000001" in private[0].params["details"] and "Call first" in private[0].params["details"]
    # no other notification carries the phone
    others = session.scalars(select(Notification).where(Notification.private.is_(False))).all()
    assert all("13800000001" not in str(n.params) for n in others)


def test_no_show_only_after_start_and_by_a_lead(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    volunteer = world.volunteers[0]
    claims.claim(session=session, actor=world.actor(volunteer), task_id=task.id, now=NOW)
    with pytest.raises(NotAllowed):
        claims.mark_no_show(
            session=session,
            actor=world.actor(world.volunteers[1]),
            task_id=task.id,
            person=volunteer,
            now=task.starts_at + timedelta(minutes=15),
        )
    with pytest.raises(InvalidTransition, match="not started"):
        claims.mark_no_show(
            session=session, actor=world.actor(world.gate_captain), task_id=task.id, person=volunteer, now=NOW
        )
    a = claims.mark_no_show(
        session=session,
        actor=world.actor(world.gate_captain),
        task_id=task.id,
        person=volunteer,
        now=task.starts_at + timedelta(minutes=15),
    )
    assert a.state == AssignmentState.NO_SHOW and task.filled == 0


def test_reassign_within_team_by_captain(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    a, b = world.volunteers[0], world.volunteers[1]
    claims.claim(session=session, actor=world.actor(a), task_id=task.id, now=NOW)
    captain = world.actor(world.gate_captain)
    new = claims.reassign(
        session=session, actor=captain, task_id=task.id, from_person=a, to_person=b, now=NOW
    )
    assert new.person_id == b.id and new.assigned_by_id == world.gate_captain.id
    assert task.filled == 1
    # a captain cannot hand work to someone outside the team; a coordinator can
    outsider = world.supply_volunteers[0]
    with pytest.raises(NotAllowed, match="within the team"):
        claims.reassign(
            session=session, actor=captain, task_id=task.id, from_person=b, to_person=outsider, now=NOW
        )
    claims.reassign(
        session=session,
        actor=world.actor(world.coordinator),
        task_id=task.id,
        from_person=b,
        to_person=outsider,
        now=NOW,
    )
    # the other team's captain may not touch it
    with pytest.raises(NotAllowed):
        claims.reassign(
            session=session,
            actor=world.actor(world.supply_captain),
            task_id=task.id,
            from_person=outsider,
            to_person=a,
            now=NOW,
        )
    assert events(session, task.id)[-2:] == ["reassigned", "reassigned"]


def test_cancel_open_task_tells_holders_and_refuses_started_work(session: Session, world: World) -> None:
    task = gate_shift(session, world)
    claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=task.id, now=NOW)
    cancel_task(session=session, actor=world.actor(world.gate_captain), task_id=task.id, reason="gate closed")
    assert task.status == TaskStatus.CANCELLED
    with pytest.raises(InvalidTransition, match="cancelled"):
        claims.claim(session=session, actor=world.actor(world.volunteers[1]), task_id=task.id, now=NOW)

    started = gate_shift(session, world)
    me = world.actor(world.volunteers[1])
    claims.claim(session=session, actor=me, task_id=started.id, now=NOW)
    claims.check_in(session=session, actor=me, task_id=started.id, now=started.starts_at)
    with pytest.raises(InvalidTransition, match="can no longer be cancelled"):
        cancel_task(session=session, actor=SYSTEM, task_id=started.id)


def test_unknown_task_and_other_community(session: Session, world: World) -> None:
    with pytest.raises(NotFound, match="no task #999999"):
        claims.claim(session=session, actor=world.actor(world.volunteers[0]), task_id=999_999, now=NOW)


def test_checkin_call_with_symptoms_turns_household_red(session: Session, world: World) -> None:
    household = world.households[1]
    task = checkin_call(session, world, household=1)
    me = world.actor(world.supply_volunteers[0])
    claims.claim(session=session, actor=me, task_id=task.id, now=NOW)
    claims.complete(
        session=session,
        actor=me,
        task_id=task.id,
        figures={"reached": "yes", "temperature": "38.2", "symptoms": "是"},
        now=NOW,
    )
    assert household.watch_colour == WatchColour.RED
    told = {
        n.person_id
        for n in session.scalars(select(Notification).where(Notification.dedupe_key.like("red:%")))
    }
    assert told == {world.supply_captain.id, world.coordinator.id}


def test_two_unanswered_calls_turn_household_red(session: Session, world: World) -> None:
    household = world.households[1]
    me = world.actor(world.supply_volunteers[0])
    for hour in (1, 2):
        task = checkin_call(session, world, household=1, hours=hour + 4)
        claims.claim(session=session, actor=me, task_id=task.id, now=NOW + timedelta(hours=hour))
        assert household.watch_colour == WatchColour.BLUE
        claims.complete(
            session=session,
            actor=me,
            task_id=task.id,
            figures={"reached": "no"},
            now=NOW + timedelta(hours=hour),
        )
    assert household.watch_colour == WatchColour.RED


def test_whoever_is_given_work_is_told_even_without_private_details(session: Session, world: World) -> None:
    # Given a gate shift (nothing private about it) held by volunteer 1
    task = gate_shift(session, world)
    a, b, c = world.volunteers[:3]
    claims.claim(session=session, actor=world.actor(a), task_id=task.id, now=NOW)
    captain = world.actor(world.gate_captain)
    # When the captain hands it to volunteer 2 and gives the open place to volunteer 3
    claims.reassign(session=session, actor=captain, task_id=task.id, from_person=a, to_person=b, now=NOW)
    claims.assign(session=session, actor=captain, task_id=task.id, person=c, now=NOW)
    # Then each new holder gets a direct message saying so, with the task to open and a way to give it back
    told = session.execute(
        select(Notification.person_id, Notification.msgid, Notification.buttons, Notification.private).where(
            Notification.task_id == task.id, Notification.msgid.like("You have been given%")
        )
    ).all()
    assert sorted(p for p, *_ in told) == sorted([b.id, c.id])
    assert all(not private for *_, private in told)
    assert all(
        [payload_of(button) for button in buttons[0]] == [f"t:{task.id}", f"rl:{task.id}"]
        for _, _, buttons, _ in told
    )


def test_a_captain_assigns_only_members_of_the_team(session: Session, world: World) -> None:
    # Given the supply team's delivery, with a household's phone in its private details
    task = delivery(session, world, capacity=2)
    outsider = world.volunteers[0]  # of the gate team
    # When the supply captain places the gate volunteer into the open place
    with pytest.raises(NotAllowed, match="team only"):
        claims.assign(
            session=session,
            actor=world.actor(world.supply_captain),
            task_id=task.id,
            person=outsider,
            now=NOW,
        )
    # Then nothing is taken, and the outsider is sent no details
    assert task.filled == 0
    sent = session.scalars(select(Notification).where(Notification.person_id == outsider.id)).all()
    assert all("13800000001" not in str(n.params) for n in sent)
    # while a member of the team, or anyone by a coordinator, may be placed
    claims.assign(
        session=session,
        actor=world.actor(world.supply_captain),
        task_id=task.id,
        person=world.supply_volunteers[0],
        now=NOW,
    )
    claims.assign(
        session=session, actor=world.actor(world.coordinator), task_id=task.id, person=outsider, now=NOW
    )
    assert task.filled == 2
