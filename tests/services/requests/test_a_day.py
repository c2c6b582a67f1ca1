"""A day of requests (issue 16): 300 requests from three channels across 14 buildings, the 20:00 cut-off
found by the scheduler tick, runs claimed and delivered next morning, five households not at home retried on
the next run, every household told through its own channel, every figure equal to what was fed, and no
private detail in any group message or public card."""

from __future__ import annotations

import re
import statistics
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.models import (
    Household,
    HouseholdRequest,
    Notification,
    PlaceKind,
    RequestChannel,
    RequestRun,
    RequestStatus,
    Task,
)
from coord.services import requests as rq
from coord.services.people.access import Actor
from coord.services.people.communities import add_household, add_place
from coord.services.schedule.tick import collect_due
from coord.services.work import claims
from tests.factories import SYSTEM, World

DAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
CUTOFF = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 20:00 local
MORNING = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)  # 08:30 local, the next day
ITEMS = ("rice 1 bag, eggs 10", "milk 2\nbread", "flour 1 bag, oil 1 bottle", "vegetables 2 kg", "apples 6")
ADDRESS = re.compile(r"B\d+-\d-\d{3}|13[5-9]\d{8}")


def households(session: Session, world: World) -> list[Household]:
    """14 buildings of 22 households each (308), every one with a phone on file."""
    made = []
    for b in range(1, 15):
        building = add_place(
            session=session, actor=SYSTEM, community=world.community, name=f"B{b}", kind=PlaceKind.BUILDING
        )
        for n in range(22):
            made.append(
                add_household(
                    session=session,
                    actor=SYSTEM,
                    building=building,
                    unit=str(n % 3 + 1),
                    room=f"{n // 3 + 1}0{n % 3 + 1}",
                    contact_name=f"Resident {b}-{n}",
                    phone=f"1390{b:03d}{n:04d}",
                )
            )
    return made


def feed(session: Session, world: World, homes: list[Household]) -> list[HouseholdRequest]:
    """300 requests through the day: 100 from residents in chat, 100 at the desk, 100 by captains."""
    desk_place = add_place(
        session=session, actor=SYSTEM, community=world.community, name="Desk", kind=PlaceKind.DESK
    )
    desk = Actor(world.volunteers[0], "test")
    captain = Actor(world.supply_captain, "test")
    fed = []
    for i, household in enumerate(homes[:300]):
        at = DAY + timedelta(minutes=2 * i)
        items = ITEMS[i % len(ITEMS)]
        if i % 3 == 0:
            code = rq.building_code(session, actor=SYSTEM, building=household.building, now=at)
            joined = rq.join_building(
                session=session,
                channel="telegram",
                code=code.code,
                unit=household.unit,
                room=household.room,
                external_id=f"tg-{i}",
                display_name=f"Neighbour {i}",
                now=at,
            )
            actor = Actor(joined.person, "telegram")
            rq.confirm_by_phone(session=session, actor=actor, phone=household.phone, now=at)
            fed.append(
                rq.place_request(
                    session=session,
                    actor=actor,
                    household=household,
                    items=items,
                    channel=RequestChannel.CHAT,
                    now=at,
                )
            )
        elif i % 3 == 1:
            fed.append(
                rq.place_request(
                    session=session,
                    actor=desk,
                    household=household,
                    items=items,
                    channel=RequestChannel.DESK,
                    desk=desk_place,
                    now=at,
                )
            )
        else:
            fed.append(
                rq.place_request(
                    session=session,
                    actor=captain,
                    household=household,
                    items=items,
                    channel=RequestChannel.CAPTAIN,
                    now=at,
                )
            )
    return fed


def cut_off(session: Session, at: datetime) -> list[RequestRun]:
    """What the scheduler tick and the group_buy_cutoff actor do at ``at``."""
    due = [d for d in collect_due(session, now=at) if d.actor == "group_buy_cutoff"]
    assert len(due) == 1
    return rq.run_cutoff(session=session, cutoff_id=due[0].args[0], now=at)


def deliver(session: Session, world: World, runs: list[RequestRun], at: datetime, away: set[int]) -> None:
    """Runners claim each run, mark every door (``away``: nobody at home) and report it done."""
    for n, run in enumerate(runs):
        runner = world.supply_volunteers[n % 2]
        actor = Actor(runner, "test")
        assert run.run_task_id is not None
        claims.claim(session=session, actor=actor, task_id=run.run_task_id, now=at)
        doors = session.scalars(select(HouseholdRequest).where(HouseholdRequest.run_id == run.id)).all()
        for request in doors:
            outcome = "not_at_home" if request.id in away else "delivered"
            rq.mark_door(session=session, actor=actor, request_id=request.id, outcome=outcome, now=at)
        claims.complete(
            session=session,
            actor=actor,
            task_id=run.run_task_id,
            figures={"households": sum(r.id not in away for r in doors)},
            now=at + timedelta(minutes=30),
        )


def test_a_day_of_requests(session: Session, world: World) -> None:
    rq.set_request_settings(
        session=session, actor=SYSTEM, community_id=world.community.id, team=world.supply_team
    )
    homes = households(session, world)
    fed = feed(session, world, homes)
    assert len(fed) == 300 and not [r for r in fed if r.duplicate_of_id or r.urgent]

    # The 20:00 cut-off: one run per building, every request on one
    runs = cut_off(session, CUTOFF)
    assert len(runs) == 14 and {r.status for r in fed} == {RequestStatus.ACCEPTED}
    assert sorted(len(r.totals) > 0 for r in runs) == [True] * 14

    # Next morning: five households are not at home; they go on the next day's run
    away = {fed[i].id for i in (3, 50, 101, 202, 299)}
    deliver(session, world, runs, MORNING, away)
    assert [r.id for r in fed if r.status == RequestStatus.NOT_AT_HOME] == sorted(away)
    again = cut_off(session, CUTOFF + timedelta(days=1))
    assert (
        sum(
            len(session.scalars(select(HouseholdRequest.id).where(HouseholdRequest.run_id == r.id)).all())
            for r in again
        )
        == 5
    )
    assert {r.status for r in fed if r.id in away} == {RequestStatus.RETRIED}
    deliver(session, world, again, MORNING + timedelta(days=1), set())
    assert {r.status for r in fed} == {RequestStatus.DELIVERED}

    # Every household told through its own channel: residents by direct message at each step ...
    told = session.scalars(select(Notification).where(Notification.msgid.like("%request #%"))).all()
    by_resident: dict[int, list[str]] = {}
    for note in told:
        assert note.private and note.person_id is not None and note.team_id is None
        by_resident.setdefault(note.params["request_id"], []).append(note.msgid)
    chat = [r for r in fed if r.channel == RequestChannel.CHAT]
    assert set(by_resident) == {r.id for r in chat}
    for request in chat:
        assert session.scalars(
            select(Notification.person_id).where(Notification.params["request_id"].as_integer() == request.id)
        ).all() == [request.resident_id] * len(by_resident[request.id])
        assert len(by_resident[request.id]) == (
            6 if request.id in away else 3
        )  # accepted, on the way, left (not at home, again, on the way)
    # ... the desk's list shows its orders delivered
    desk = rq.list_requests(
        session,
        actor=Actor(world.volunteers[0], "test"),
        community=world.community,
        open_only=False,
        limit=500,
    )
    assert len(desk) == 100 and {r.status for r in desk} == {RequestStatus.DELIVERED}

    # No private detail in any group message or public card
    for note in session.scalars(select(Notification).where(Notification.team_id.is_not(None))):
        assert not ADDRESS.search(repr(note.params)), note.params
    made = session.scalars(select(Task).where(Task.kind.in_(["purchase", "delivery"]))).all()
    assert len(made) == 2 * (14 + len(again))
    for task in made:
        assert not ADDRESS.search(task.title + task.public_details)

    # Every figure equal to what was fed
    start, end = datetime(2026, 3, 1, 12, tzinfo=UTC), CUTOFF
    day_one = rq.request_figures(session, community_id=world.community.id, start=start, end=end)
    assert day_one["requests_received"] == {"chat": 100, "desk": 100, "captain": 100, "call": 0}
    assert day_one["requests_delivered"] == {"chat": 0, "desk": 0, "captain": 0, "call": 0}
    day_two = rq.request_figures(
        session, community_id=world.community.id, start=end, end=end + timedelta(days=1)
    )
    assert sum(day_two["requests_delivered"].values()) == 295 and day_two["group_buy_parcels"] == 295
    assert day_two["heavy_items"] == sum(r.heavy for r in fed if r.id not in away)
    waits = sorted((r.closed_at - r.created_at).total_seconds() / 60 for r in fed if r.id not in away)  # type: ignore[operator]
    assert day_two["median_minutes_to_door"] == round(statistics.median(waits), 1) == waits[147]
    day_three = rq.request_figures(
        session, community_id=world.community.id, start=end + timedelta(days=1), end=end + timedelta(days=2)
    )
    assert sum(day_three["requests_delivered"].values()) == 5 and day_three["group_buy_parcels"] == 5
    assert sum(day_three["requests_open"].values()) == 0


def test_the_daily_summary_carries_the_request_figures(session: Session, world: World) -> None:
    from coord.models import DailySummary
    from coord.services.reporting.summary import send_daily_summary

    rq.set_request_settings(
        session=session, actor=SYSTEM, community_id=world.community.id, team=world.supply_team
    )
    homes = households(session, world)
    fed = feed(session, world, homes[:30])
    runs = cut_off(session, CUTOFF)
    deliver(session, world, runs, MORNING, {fed[0].id})
    send_daily_summary(
        session, community_id=world.community.id, day=MORNING.date(), now=CUTOFF + timedelta(days=1)
    )
    row = session.scalars(select(DailySummary).where(DailySummary.community_id == world.community.id)).one()
    figures = row.figures["requests"]
    assert figures["requests_delivered"] == {"chat": 9, "desk": 10, "captain": 10, "call": 0}
    assert figures["requests_open"] == {"chat": 1, "desk": 0, "captain": 0, "call": 0}
    assert (figures["group_buy_parcels"], figures["requests_overdue"]) == (29, 0)
    from coord.services.reporting.report import summary_text

    text = summary_text(row.figures, "en")
    assert "Residents' requests: received 0" in text  # ordered the day before the summary's day
    assert "delivered 29 (resident's chat 9, desk 10, entered by a captain 10); open 1" in text
    assert "团购包裹 29 件" in summary_text(row.figures, "zh")
    assert "Residents' requests" not in summary_text(row.figures, "en", team_id=world.supply_team.id)
