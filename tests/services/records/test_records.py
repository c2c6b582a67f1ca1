"""Past days, on-behalf check-ins and hours: recorded afterwards, counted by the reports, never escalated."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidFigures, InvalidInput, NotAllowed
from coord.models import Event, Notification, Task, TaskStatus
from coord.services.escalation.climb import arm_escalations
from coord.services.records import (
    PastPart,
    check_in_for,
    confirm_shift_hours,
    correct_hours,
    record_past_work,
    set_start_date,
)
from coord.services.reporting.summary import compute_summary, send_daily_summary
from coord.services.schedule.tick import collect_due
from coord.services.work import claims
from tests.factories import NOW, World, gate_shift

ZONE = ZoneInfo("Asia/Shanghai")
FEB_20 = date(2026, 2, 20)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def disinfection_on(session: Session, world: World, day: date, **kwargs: object) -> Task:
    """Two volunteers disinfected two buildings on ``day``, one 08:00–11:30, one for 3 hours."""
    a, b = world.volunteers[:2]
    parts = [
        PastPart(a, done_at=local(day, 11, 30), checked_in_at=local(day, 8), figures={"buildings": 2}),
        PastPart(b, done_at=local(day, 11), hours=3, figures={"buildings": 1, "households": 40}),
    ]
    return record_past_work(
        session=session,
        actor=world.actor(world.gate_captain, "telegram"),
        community=world.community,
        kind="disinfection",
        title="Disinfection, buildings 1-3",
        team=world.gate_team,
        parts=parts,
        now=NOW,
        **kwargs,  # type: ignore[arg-type]
    )


def test_past_work_is_counted_for_its_day_and_marked_as_entered_afterwards(
    session: Session, world: World
) -> None:
    # Given work done on 20 February, entered on 2 March by the gate captain through Telegram
    task = disinfection_on(session, world, FEB_20)
    # Then the report for 20 February includes it: one task, two completions, 6.5 hours, its figures
    day = compute_summary(session, world.community, FEB_20)["today"]
    assert (day["done"], day["completions"], day["hours"]) == (1, 2, 6.5)
    assert day["kinds"]["disinfection"]["figures"] == {"buildings": 3, "households": 40}
    # And each part is an event marked as entered afterwards, by whom and from which channel
    events = session.scalars(
        select(Event).where(Event.task_id == task.id, Event.action == "completed").order_by(Event.id)
    ).all()
    assert [(e.actor_id, e.channel, e.data["afterwards"]) for e in events] == [
        (world.gate_captain.id, "telegram", True)
    ] * 2
    assert events[0].data["happened_at"] == local(FEB_20, 11, 30).isoformat()
    assert events[0].at == NOW
    # And the task is closed: nothing reminds or escalates it
    assert task.status == TaskStatus.DONE and task.entered_afterwards
    arm_escalations(session, now=NOW)
    due = collect_due(session, now=NOW + timedelta(days=1))
    assert ("escalate", task.id) not in {(d.actor, d.args[0]) for d in due}
    session.refresh(task)
    assert task.escalation_due_at is None
    assert session.scalar(select(Notification).where(Notification.task_id == task.id)) is None


def test_a_stored_summary_is_counted_again_for_past_work(session: Session, world: World) -> None:
    # Given the summary of 20 February was sent with nothing in it
    sent_at = local(FEB_20, 20).astimezone(ZoneInfo("UTC"))
    send_daily_summary(session, community_id=world.community.id, day=FEB_20, now=sent_at)
    send_daily_summary(session, community_id=world.community.id, day=FEB_20 + timedelta(days=1), now=NOW)
    # When the paper record of that day is entered
    disinfection_on(session, world, FEB_20)
    # Then the stored summary of that day and the running totals of the next include it
    from coord.services.reporting.summary import stored_summary

    stored = stored_summary(session, world.community, FEB_20, now=NOW)
    assert (stored["today"]["done"], stored["today"]["completions"], stored["revised"]) == (1, 2, True)
    after = stored_summary(session, world.community, FEB_20 + timedelta(days=1), now=NOW)
    assert (after["today"]["done"], after["totals"]["done"], after["totals"]["completions"]) == (0, 1, 2)


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"done_at": NOW + timedelta(hours=1)}, "is in the future"),
        ({"checked_in_at": local(FEB_20, 12), "done_at": local(FEB_20, 11)}, "is before the check-in"),
        ({"done_at": local(FEB_20, 23), "hours": 25}, "a day has at most 24"),
        ({"done_at": local(FEB_20, 11), "figures": {"buildings": "lots"}}, "must be a whole number"),
    ],
)
def test_impossible_past_work_is_refused_and_changes_nothing(
    session: Session, world: World, part: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"figures": {"buildings": 1}, **part}
    with pytest.raises((InvalidInput, InvalidFigures)) as refused:
        record_past_work(
            session=session,
            actor=world.actor(world.coordinator),
            community=world.community,
            kind="disinfection",
            title="Disinfection",
            parts=[PastPart(world.volunteers[0], **values)],  # type: ignore[arg-type]
            now=NOW,
        )
    assert message in str(refused.value)
    assert session.scalar(select(Task).where(Task.entered_afterwards.is_(True))) is None


def test_over_24_hours_in_one_day_counts_what_is_already_recorded(session: Session, world: World) -> None:
    disinfection_on(session, world, FEB_20)  # volunteer 0: 3.5 hours that day
    with pytest.raises(InvalidInput, match=r"would have served 24\.5 hours on 2026-02-20"):
        record_past_work(
            session=session,
            actor=world.actor(world.coordinator),
            community=world.community,
            kind="patrol",
            title="Night patrol",
            parts=[
                PastPart(
                    world.volunteers[0], done_at=local(FEB_20, 23), hours=21, figures={"issues_found": 0}
                )
            ],
            now=NOW,
        )


def test_a_captain_records_for_their_own_team_only(session: Session, world: World) -> None:
    with pytest.raises(NotAllowed, match="own team"):
        record_past_work(
            session=session,
            actor=world.actor(world.gate_captain),
            community=world.community,
            kind="delivery",
            title="Rice to 3-2-101",
            team=world.gate_team,
            parts=[
                PastPart(world.supply_volunteers[0], done_at=local(FEB_20, 10), figures={"households": 1})
            ],
            now=NOW,
        )
    with pytest.raises(NotAllowed):  # and a volunteer records nothing
        record_past_work(
            session=session,
            actor=world.actor(world.volunteers[0]),
            community=world.community,
            kind="delivery",
            title="Rice",
            team=world.gate_team,
            parts=[PastPart(world.volunteers[0], done_at=local(FEB_20, 10), figures={"households": 1})],
            now=NOW,
        )


def test_on_behalf_check_in_then_done_and_hours_from_the_window(session: Session, world: World) -> None:
    # Given a member of the gate team holds a shift that began an hour ago, with no phone at the post
    shift = gate_shift(session, world, hours_from_now=-1, capacity=1)
    member = world.volunteers[0]
    claims.claim(session=session, actor=world.actor(member), task_id=shift.id, now=NOW - timedelta(hours=2))
    captain = world.actor(world.gate_captain)
    # When the captain checks them in (a reason is required) and later reports them done
    with pytest.raises(InvalidInput, match="Say why"):
        check_in_for(session=session, actor=captain, task_id=shift.id, person=member, reason=" ", now=NOW)
    check_in_for(
        session=session,
        actor=captain,
        task_id=shift.id,
        person=member,
        reason="signed the paper sheet",
        at=NOW - timedelta(minutes=50),
        now=NOW,
    )
    claims.complete(
        session=session,
        actor=captain,
        task_id=shift.id,
        figures={"people_checked": 40},
        note="no phone at the post",
        person=member,
        now=NOW + timedelta(hours=1),
    )
    event = session.scalar(select(Event).where(Event.task_id == shift.id, Event.action == "checked_in"))
    assert event is not None and event.data["on_behalf"] and event.actor_id == world.gate_captain.id
    # Then hours run from check-in to done, until the captain confirms the whole window (4 hours)
    day = compute_summary(session, world.community, NOW.date(), as_of=NOW + timedelta(hours=2))
    assert day["today"]["hours"] == round(110 / 60, 2)
    assert confirm_shift_hours(session=session, actor=captain, task_id=shift.id, person=member, now=NOW) == 4
    day = compute_summary(session, world.community, NOW.date(), as_of=NOW + timedelta(hours=2))
    assert day["today"]["hours"] == 4.0
    # And another team's captain may do neither
    with pytest.raises(NotAllowed):
        check_in_for(
            session=session,
            actor=world.actor(world.supply_captain),
            task_id=shift.id,
            person=member,
            reason="x",
            now=NOW,
        )


def test_a_captain_corrects_hours_with_an_event_holding_old_and_new(session: Session, world: World) -> None:
    task = disinfection_on(session, world, FEB_20)
    member = world.volunteers[1]
    captain = world.actor(world.gate_captain)
    old = correct_hours(
        session=session, actor=captain, task_id=task.id, person=member, hours=4.5, reason="sheet says 4.5"
    )
    assert old == 3
    event = session.scalar(select(Event).where(Event.action == "hours_corrected"))
    assert event is not None and (event.data["old"], event.data["new"]) == (3, 4.5)
    assert compute_summary(session, world.community, FEB_20)["today"]["hours"] == 8.0
    with pytest.raises(InvalidInput, match="at most 24"):
        correct_hours(session=session, actor=captain, task_id=task.id, person=member, hours=30, reason="x")
    with pytest.raises(NotAllowed):
        correct_hours(
            session=session,
            actor=world.actor(world.volunteers[0]),
            task_id=task.id,
            person=member,
            hours=9,
            reason="more",
        )


def test_since_the_start_counts_from_the_start_date(session: Session, world: World) -> None:
    disinfection_on(session, world, FEB_20)
    disinfection_on(session, world, FEB_20 + timedelta(days=2))
    set_start_date(
        session=session,
        actor=world.actor(world.coordinator),
        community=world.community,
        day=FEB_20 + timedelta(days=1),
    )
    summary = compute_summary(session, world.community, FEB_20 + timedelta(days=3))
    assert (summary["days_running"], summary["totals"]["done"], summary["totals"]["completions"]) == (3, 1, 2)
    with pytest.raises(NotAllowed):
        set_start_date(
            session=session, actor=world.actor(world.gate_captain), community=world.community, day=FEB_20
        )


def test_the_same_record_entered_twice_is_refused(session: Session, world: World) -> None:
    task = disinfection_on(session, world, FEB_20)
    with pytest.raises(InvalidInput, match=f"already recorded, in task #{task.id}"):
        disinfection_on(session, world, FEB_20)
    day = compute_summary(session, world.community, FEB_20)["today"]
    assert (day["done"], day["completions"]) == (1, 2)
