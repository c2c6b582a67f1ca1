"""Retention (issue 19): private details purged a set time after the work closes, as a duty the tick finds,
idempotent and recorded; households leave the watch list's private fields unless a coordinator keeps them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import NotAllowed
from coord.models import Duty, DutyKind, Event, Notification, Task, TaskStatus, WatchColour
from coord.services.privacy import keep_household, purge_private_details
from coord.services.schedule.duties import run_duty
from coord.services.schedule.tick import TickOptions, collect_due
from coord.services.work import claims
from coord.services.work.notices import private_text
from coord.services.work.tasks import cancel_task
from tests.factories import NOW, World, delivery

LATER = NOW + timedelta(days=45)  # 2026-04-16, 14:00 in Shanghai: past the purge moment of the day


def purge_duty(session: Session, *, now: object, days: int = 30) -> Duty:
    dispatched = collect_due(session, now=now, options=TickOptions(retention_days=days))  # type: ignore[arg-type]
    duties = session.scalars(select(Duty).where(Duty.kind == DutyKind.PRIVACY_PURGE)).all()
    assert len(duties) == 1 and ("privacy_purge", (duties[0].id,)) in [(d.actor, d.args) for d in dispatched]
    return duties[0]


def test_a_closed_tasks_details_and_their_copies_are_purged_after_the_period(
    session: Session, world: World
) -> None:
    # Given a delivery claimed (its details sent to the holder) then cancelled, and one still open
    closed = delivery(session, world)
    claims.claim(session=session, actor=world.actor(world.supply_volunteers[0]), task_id=closed.id, now=NOW)
    cancel_task(session=session, actor=world.actor(world.supply_captain), task_id=closed.id, now=NOW)
    still_open = delivery(session, world, household=1)
    # When the scheduler's tick finds the day's purge duty 45 days later, and a worker runs it
    duty = purge_duty(session, now=LATER)
    assert duty.day == date(2026, 4, 16) - timedelta(days=30)
    run_duty(session=session, duty_id=duty.id, now=LATER)
    # Then the closed task's private note and the copy in its direct message are gone; the open one's stay
    session.refresh(closed)
    assert closed.private_details == "" and closed.details_purged_at == LATER
    assert private_text(session, closed) == "—"
    copies = session.scalars(
        select(Notification).where(Notification.task_id == closed.id, Notification.private)
    ).all()
    assert copies and all(
        "13800000001" not in str(n.params) and "Call first" not in str(n.params) for n in copies
    )
    assert still_open.private_details == "Call first" and still_open.details_purged_at is None
    # what reports read stays: the task, its kind and status
    assert session.get_one(Task, closed.id).status == TaskStatus.CANCELLED and closed.title
    # And the purge is an event, once: a second run finds nothing
    assert run_duty(session=session, duty_id=duty.id, now=LATER) is None
    assert purge_private_details(session, community_id=world.community.id, cutoff=duty.day, now=LATER) == (
        "purged 0 tasks, 0 households"
    )
    purged = session.scalars(select(Event).where(Event.action == "private_details_purged")).all()
    assert len(purged) == 1 and purged[0].data["tasks"] == [closed.id]


def test_nothing_is_purged_before_the_period_ends(session: Session, world: World) -> None:
    closed = delivery(session, world)
    cancel_task(session=session, actor=world.actor(world.supply_captain), task_id=closed.id, now=NOW)
    soon = NOW + timedelta(days=20)
    duty = purge_duty(session, now=soon)
    run_duty(session=session, duty_id=duty.id, now=soon)
    assert closed.private_details == "Call first" and closed.details_purged_at is None
    assert world.households[1].watch_colour == WatchColour.BLUE


def test_households_leave_the_watch_list_after_quarantine_and_the_period_unless_kept(
    session: Session, world: World
) -> None:
    # Given the blue household (quarantine until 10 March) and a second one a coordinator keeps
    blue = world.households[1]
    kept = world.households[0]
    kept.watch_colour, kept.quarantine_until, kept.watch_reason = (
        WatchColour.YELLOW,
        date(2026, 3, 5),
        "contact",
    )
    with pytest.raises(NotAllowed):
        keep_household(session, actor=world.actor(world.gate_captain), household=kept, reason="x", now=NOW)
    keep_household(
        session, actor=world.actor(world.coordinator), household=kept, reason="still traced", now=NOW
    )
    # When the purge runs 45 days later
    purge_private_details(session, community_id=world.community.id, cutoff=date(2026, 3, 17), now=LATER)
    session.refresh(blue)
    session.refresh(kept)
    # Then the blue household's colour, reason and quarantine are gone, its register entry stays
    assert (blue.watch_colour, blue.quarantine_until, blue.watch_reason) == (None, None, "")
    assert blue.phone.endswith("13800000002") and blue.room == "502"
    # and the kept household keeps them
    assert (kept.watch_colour, kept.watch_reason) == (WatchColour.YELLOW, "contact")
