"""A whole watched household, through the real scheduler tick and the real actors on a frozen clock, on
both databases, with every message the scheduler sends delivered twice: 14 days blue with a call a day, a
fever that turns it red and brings its leads in person, back to blue, then green and a call back a few
days on; never two calls on one day."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from coord.models import (
    Assignment,
    AssignmentState,
    Event,
    Household,
    Notification,
    Task,
    TaskStatus,
    WatchColour,
)
from coord.services import watch
from coord.services.schedule.tick import Dispatch
from coord.services.work import claims
from tests.factories import NOW
from tests.workers.conftest import Deployment, InProcess
from tests.workers.test_scheduler import run_until_quiet

ZONE = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 3, 2)  # NOW is 14:00 there
FEVER_DAY = 5


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(ZoneInfo("UTC"))


def calls_by_day(deployment: Deployment, household_id: int) -> Counter[date]:
    with deployment.session() as session:
        dues = session.scalars(
            select(Task.due_at).where(
                Task.household_id == household_id,
                Task.kind == "checkin_call",
                Task.status != TaskStatus.CANCELLED,
            )
        ).all()
    return Counter(due.astimezone(ZONE).date() for due in dues if due is not None)


def todays(deployment: Deployment, household_id: int, kind: str, day: date) -> list[Task]:
    with deployment.session() as session:
        tasks = session.scalars(
            select(Task).where(
                Task.household_id == household_id, Task.kind == kind, Task.status != TaskStatus.CANCELLED
            )
        ).all()
        return [t for t in tasks if t.due_at is not None and t.due_at.astimezone(ZONE).date() == day]


def holders(deployment: Deployment, task_id: int) -> set[int]:
    with deployment.session() as session:
        return set(
            session.scalars(
                select(Assignment.person_id).where(
                    Assignment.task_id == task_id, Assignment.state == AssignmentState.CLAIMED
                )
            )
        )


def report(deployment: Deployment, task_id: int, person_id: int, at: datetime, **figures: str) -> None:
    with deployment.factory() as session, session.begin():
        world = deployment.world
        person = session.merge(
            next(p for p in (world.coordinator, *world.supply_volunteers) if p.id == person_id)
        )
        claims.complete(session=session, actor=world.actor(person), task_id=task_id, figures=figures, now=at)


def test_a_watched_household_blue_then_red_then_blue_then_green(
    deployment: Deployment, in_process: InProcess
) -> None:
    world = deployment.world
    lead, medic, coordinator = world.supply_volunteers[0], world.supply_volunteers[1], world.coordinator

    def twice(dispatch: Dispatch) -> None:  # Dramatiq delivers at least once: every message comes twice
        in_process.actors.enqueue(dispatch)
        in_process.actors.enqueue(dispatch)

    def tick_at(moment: datetime) -> None:
        deployment.clock.set(moment)
        run_until_quiet(deployment, in_process, twice)

    # Given the supply captain names Helper 1 responsible (Helper 2 the medic) for Wang Lan's household,
    # and puts it in 14 days of home quarantine
    with deployment.factory() as session, session.begin():
        household = session.get_one(Household, world.households[0].id)
        captain = world.actor(session.merge(world.supply_captain))
        watch.set_responsible(
            session=session,
            actor=captain,
            household=household,
            lead=session.merge(lead),
            medic=session.merge(medic),
            now=NOW,
        )
        watch.set_colour(
            session=session,
            actor=captain,
            household=household,
            colour=WatchColour.BLUE,
            reason="back from Wuhan",
            now=NOW,
        )
        household_id = household.id
        assert household.quarantine_until == FIRST_DAY + timedelta(days=13)
    tick_at(NOW)

    for number in range(14):
        day = FIRST_DAY + timedelta(days=number)
        if number:
            tick_at(local(day, 9, 5))  # the scheduler makes the day's call
        # Then there is one call today, and it is the named person's
        [call] = todays(deployment, household_id, "checkin_call", day)
        assert holders(deployment, call.id) == {lead.id}, day
        done_at = local(day, 9, 30) if number else NOW + timedelta(minutes=30)
        deployment.clock.set(done_at)
        if number != FEVER_DAY:
            report(deployment, call.id, lead.id, done_at, reached="yes", temperature="36.5", symptoms="no")
            continue
        # When on day 6 the call finds a fever
        report(deployment, call.id, lead.id, done_at, reached="yes", temperature="38.2", symptoms="no")
        tick_at(done_at)
        # Then the household is red, and an urgent follow-up goes to the named person and the party secretary
        with deployment.session() as session:
            assert session.get_one(Household, household_id).watch_colour == WatchColour.RED
            told = set(
                session.scalars(select(Notification.person_id).where(Notification.dedupe_key.like("red:%")))
            )
        assert told == {world.supply_captain.id, coordinator.id}
        [follow] = todays(deployment, household_id, "follow_up", day)
        assert holders(deployment, follow.id) == {lead.id, coordinator.id}
        private = [m for m in deployment.gateway.sent if "13800000001" in m.text]
        assert {m.chat_id for m in private} >= {f"dm{lead.id}", f"dm{coordinator.id}"}
        assert all(m.chat_id.startswith("dm") for m in private)  # the address and phone never reach a group
        # And they go in person and report; the captain puts the household back in quarantine
        for person in (lead, coordinator):
            report(
                deployment,
                follow.id,
                person.id,
                local(day, 11),
                reached="yes",
                temperature="37.0",
                symptoms="no",
            )
        with deployment.factory() as session, session.begin():
            watch.set_colour(
                session=session,
                actor=world.actor(session.merge(world.supply_captain)),
                household=session.get_one(Household, household_id),
                colour=WatchColour.BLUE,
                reason="seen in person, fever down",
                now=local(day, 11, 30),
            )
        tick_at(local(day, 11, 35))
        # And no second call is made that day
        assert calls_by_day(deployment, household_id)[day] == 1

    # When the quarantine is over, the next morning's tick steps the household down to green
    tick_at(local(FIRST_DAY + timedelta(days=14), 9, 5))
    with deployment.session() as session:
        household = session.get_one(Household, household_id)
        assert household.watch_colour == WatchColour.GREEN
        assert household.watch_reason == "the 14-day home quarantine has ended"
        changes = session.scalars(
            select(Event.data).where(Event.action == "watch_colour_set").order_by(Event.id)
        ).all()
    assert [c["new"] for c in changes if c["household_id"] == household_id] == [
        "blue",
        "red",
        "blue",
        "green",
    ]
    # And it is called back every 3 days, not every day
    for number in (14, 15, 16, 17):
        tick_at(local(FIRST_DAY + timedelta(days=number), 9, 5))
    calls = calls_by_day(deployment, household_id)
    assert set(calls.values()) == {1}  # never two calls on one day
    assert sorted(calls) == [FIRST_DAY + timedelta(days=n) for n in [*range(14), 17]]
    with deployment.session() as session:
        follow_ups = session.scalar(
            select(Task.id)
            .where(Task.household_id == household_id, Task.kind == "follow_up")
            .limit(2)
            .offset(1)
        )
    assert follow_ups is None  # one follow-up, however often the messages came
