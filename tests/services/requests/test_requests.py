"""Residents' requests: one record from every channel, duplicates flagged, medicine at once, the rest on
the group-buy cut-off's runs, doors marked, residents told; bad input refused with nothing written."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, InvalidTransition, InviteInvalid, NotAllowed, NotFound
from coord.models import (
    Event,
    Household,
    HouseholdRequest,
    Notification,
    Person,
    PlaceKind,
    Priority,
    RequestChannel,
    RequestCutoff,
    RequestRun,
    RequestStatus,
    RunScope,
    Task,
    TaskStatus,
)
from coord.services import requests as rq
from coord.services.people.access import Actor
from coord.services.people.communities import add_household, add_place
from coord.services.schedule.tick import collect_due
from coord.services.work import claims
from tests.factories import NOW, SYSTEM, World

# NOW is 14:00 in Asia/Shanghai; the default cut-off is 20:00, six hours later.
CUTOFF = NOW + timedelta(hours=6)


def counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(HouseholdRequest)) or 0,
        session.scalar(select(func.count()).select_from(Task)) or 0,
        session.scalar(select(func.count()).select_from(Event)) or 0,
    )


def join(
    session: Session, world: World, *, external_id: str = "tg-1", unit: str = "2", room: str = "301"
) -> rq.Joined:
    code = rq.building_code(session, actor=SYSTEM, building=world.buildings[0], now=NOW)
    return rq.join_building(
        session=session,
        channel="telegram",
        code=code.code,
        unit=unit,
        room=room,
        external_id=external_id,
        display_name="Wang Lan",
        now=NOW,
    )


@pytest.fixture
def resident(session: Session, world: World) -> Person:
    """Wang Lan of Building 1, 2-301, joined with the building's code and confirmed by the phone on file;
    the supply team takes the community's requests."""
    rq.set_request_settings(
        session=session, actor=SYSTEM, community_id=world.community.id, team=world.supply_team
    )
    joined = join(session, world)
    rq.confirm_by_phone(
        session=session, actor=Actor(joined.person, "telegram"), phone="138 0000 0001", now=NOW
    )
    return joined.person


def order(
    session: Session, person: Person, items: str, household: Household, **kw: object
) -> HouseholdRequest:
    return rq.place_request(
        session=session,
        actor=Actor(person, "telegram"),
        household=household,
        items=items,
        channel=RequestChannel.CHAT,
        now=kw.pop("now", NOW),  # type: ignore[arg-type]
    )


def test_items_are_read_with_quantities_and_units() -> None:
    assert rq.read_items("rice 2 bags, 2 x milk\neggs×10") == [
        ("rice", "bag", 2),
        ("milk", "", 2),
        ("eggs", "", 10),
    ]
    assert rq.read_items("大米 2袋、降压药一盒、鸡蛋10个") == [
        ("大米", "袋", 2),
        ("降压药", "盒", 1),
        ("鸡蛋", "个", 10),
    ]
    assert rq.items_text(rq.read_items("大米 2袋、鸡蛋10个"), "zh") == "大米 2袋、鸡蛋 10个"


@pytest.mark.parametrize("items", ["", "  \n ,, ", "x" * 10_000, "rice 500"])
def test_bad_orders_are_refused_and_nothing_is_written(
    session: Session, world: World, resident: Person, items: str
) -> None:
    before = counts(session)
    with pytest.raises(InvalidInput):
        order(session, resident, items, world.households[0])
    assert counts(session) == before


def test_a_resident_joins_and_is_confirmed_by_the_phone_on_file(session: Session, world: World) -> None:
    joined = join(session, world)
    assert joined.new_person and joined.resident.household_id == world.households[0].id
    # Before confirmation, no order is taken
    with pytest.raises(NotAllowed):
        order(session, joined.person, "rice", world.households[0])
    actor = Actor(joined.person, "telegram")
    with pytest.raises(InvalidInput):
        rq.confirm_by_phone(session=session, actor=actor, phone="13900000000", now=NOW)
    assert joined.resident.confirmed_at is None
    rq.confirm_by_phone(session=session, actor=actor, phone="13800000001", now=NOW)
    assert joined.resident.confirmed_at == NOW


def test_a_volunteer_confirms_a_resident_and_the_phone_is_tried_three_times_at_most(
    session: Session, world: World
) -> None:
    joined = join(session, world)
    actor = Actor(joined.person, "telegram")
    for _ in range(3):
        with pytest.raises(InvalidInput):
            rq.confirm_by_phone(session=session, actor=actor, phone="13900000000", now=NOW)
    with pytest.raises(NotAllowed):
        rq.confirm_by_phone(session=session, actor=actor, phone="13800000001", now=NOW)
    # A resident cannot confirm anyone; a volunteer can
    with pytest.raises(NotAllowed):
        rq.confirm_resident(session=session, actor=actor, resident_id=joined.resident.id, now=NOW)
    [waiting] = rq.waiting_residents(
        session, actor=world.actor(world.volunteers[0]), community_id=world.community.id
    )
    rq.confirm_resident(
        session=session, actor=world.actor(world.volunteers[0]), resident_id=waiting.id, now=NOW
    )
    assert joined.resident.confirmed_by_id == world.volunteers[0].id


@pytest.mark.parametrize(
    ("code", "unit", "room", "error"),
    [
        ("ZZZZZZZZ", "2", "301", InviteInvalid),
        (None, "9", "999", InvalidInput),
        (None, "2", "", InvalidInput),
    ],
)
def test_unknown_building_codes_and_units_are_refused_and_nothing_is_written(
    session: Session, world: World, code: str | None, unit: str, room: str, error: type[Exception]
) -> None:
    real = rq.building_code(session, actor=SYSTEM, building=world.buildings[0], now=NOW)
    before = (counts(session), session.scalar(select(func.count()).select_from(Person)))
    with pytest.raises(error):
        rq.join_building(
            session=session,
            channel="telegram",
            code=code or real.code,
            unit=unit,
            room=room,
            external_id="tg-9",
            display_name="X",
            now=NOW,
        )
    assert (counts(session), session.scalar(select(func.count()).select_from(Person))) == before


def test_medicine_is_bought_at_once_as_urgent_work_with_private_details_for_the_holder_only(
    session: Session, world: World, resident: Person
) -> None:
    request = order(session, resident, "降压药 1盒", world.households[0])
    assert request.urgent and request.status == RequestStatus.ACCEPTED
    task = session.get_one(Task, request.task_id)
    assert (task.kind, task.priority, task.household_id) == (
        "purchase",
        Priority.URGENT,
        world.households[0].id,
    )
    assert "降压药" not in task.title and "降压药" in task.private_details
    # The helper claims it: on the way, told by direct message; done: delivered
    helper = world.supply_volunteers[0]
    claims.claim(session=session, actor=world.actor(helper), task_id=task.id, now=NOW)
    assert request.status == RequestStatus.ON_THE_WAY
    claims.complete(
        session=session, actor=world.actor(helper), task_id=task.id, figures={"orders": 1}, now=NOW
    )
    assert request.status == RequestStatus.DELIVERED
    told = session.scalars(
        select(Notification.msgid).where(Notification.person_id == resident.id).order_by(Notification.id)
    ).all()
    assert len(told) == 3 and all(
        n.private for n in session.scalars(select(Notification).where(Notification.person_id == resident.id))
    )
    assert "on the way" in told[1] and "left at your door" in told[2]


def test_a_second_open_request_for_the_same_items_is_flagged_and_held(
    session: Session, world: World, resident: Person
) -> None:
    first = order(session, resident, "rice 1 bag, eggs 10", world.households[0])
    second = order(session, resident, "eggs 6\nRice", world.households[0])
    assert first.duplicate_of_id is None and second.duplicate_of_id == first.id
    leads = session.scalars(select(Notification).where(Notification.msgid.like("%second copy%"))).all()
    assert {n.person_id for n in leads} == {world.supply_captain.id}  # the captain of the team of the runs
    assert all(n.private for n in leads)
    # Held: the cut-off takes the first only
    cutoff = _cutoff(session, world)
    runs = rq.run_cutoff(session=session, cutoff_id=cutoff.id, now=CUTOFF)
    assert [r.id for r in runs] and first.run_id == runs[0].id and second.run_id is None
    # A captain keeps it: it waits for the next cut-off
    with pytest.raises(NotAllowed):
        rq.keep_duplicate(session=session, actor=Actor(resident, "telegram"), request_id=second.id, now=NOW)
    rq.keep_duplicate(session=session, actor=world.actor(world.supply_captain), request_id=second.id, now=NOW)
    assert second.duplicate_of_id is None and second.status == RequestStatus.RECEIVED


def _cutoff(session: Session, world: World, at: datetime = CUTOFF) -> RequestCutoff:
    rq.plan_cutoffs(session, now=at)
    return session.scalars(
        select(RequestCutoff)
        .where(RequestCutoff.community_id == world.community.id)
        .order_by(RequestCutoff.day.desc())
    ).first()  # type: ignore[return-value]


def test_the_cutoff_is_a_duty_the_tick_finds_once(session: Session, world: World, resident: Person) -> None:
    order(session, resident, "rice", world.households[0])
    assert not [
        d for d in collect_due(session, now=CUTOFF - timedelta(minutes=1)) if d.actor == "group_buy_cutoff"
    ]
    [dispatch] = [d for d in collect_due(session, now=CUTOFF) if d.actor == "group_buy_cutoff"]
    # Leased: a second tick at once sends nothing; after the lease it is sent again, and runs once
    assert not [d for d in collect_due(session, now=CUTOFF) if d.actor == "group_buy_cutoff"]
    assert rq.run_cutoff(session=session, cutoff_id=dispatch.args[0], now=CUTOFF)
    assert rq.run_cutoff(session=session, cutoff_id=dispatch.args[0], now=CUTOFF) == []
    assert not [
        d for d in collect_due(session, now=CUTOFF + timedelta(hours=1)) if d.actor == "group_buy_cutoff"
    ]
    assert session.scalar(select(func.count()).select_from(RequestRun)) == 1


def test_a_run_per_building_with_totals_for_the_buyer_and_doors_for_the_runner(
    session: Session, world: World, resident: Person
) -> None:
    mine = order(session, resident, "rice 1 bag, eggs 10", world.households[0])
    desk = add_place(
        session=session, actor=SYSTEM, community=world.community, name="Desk", kind=PlaceKind.DESK
    )
    other = add_household(
        session=session, actor=SYSTEM, building=world.buildings[0], unit="1", room="101", phone="1390000"
    )
    by_desk = rq.place_request(
        session=session,
        actor=world.actor(world.volunteers[0]),
        household=other,
        items="rice 2 bags\nmilk 2",
        channel=RequestChannel.DESK,
        desk=desk,
        now=NOW,
    )
    by_captain = rq.place_request(
        session=session,
        actor=world.actor(world.supply_captain),
        household=world.households[1],
        items="flour 1 bag",
        channel=RequestChannel.CAPTAIN,
        now=NOW,
    )
    late = order(session, resident, "apples 3", world.households[0], now=CUTOFF + timedelta(minutes=5))
    runs = rq.run_cutoff(session=session, cutoff_id=_cutoff(session, world).id, now=CUTOFF)
    assert sorted(r.label for r in runs) == ["Building 1", "Building 2"]
    one = next(r for r in runs if r.label == "Building 1")
    assert one.totals == [["eggs", "", 10], ["rice", "bag", 3], ["milk", "", 2]]
    buy = session.get_one(Task, one.buy_task_id)
    run = session.get_one(Task, one.run_task_id)
    assert (
        "rice 3 bag" in buy.public_details
        and "2-301" not in buy.public_details + run.public_details + run.title
    )
    assert f"#{mine.id} Building 1-2-301" in run.private_details and "1-101" in run.private_details
    assert late.status == RequestStatus.RECEIVED and late.run_id is None  # after the cut-off: the next one
    assert {mine.status, by_desk.status, by_captain.status} == {RequestStatus.ACCEPTED}
    # The runner claims the run: on the way; marks each door
    runner = world.supply_volunteers[1]
    claims.claim(session=session, actor=world.actor(runner), task_id=run.id, now=NOW + timedelta(hours=18))
    assert mine.status == RequestStatus.ON_THE_WAY == by_desk.status
    with pytest.raises(NotAllowed):  # another volunteer cannot mark the runner's doors
        rq.mark_door(
            session=session,
            actor=world.actor(world.volunteers[1]),
            request_id=mine.id,
            outcome="delivered",
            now=NOW,
        )
    later = NOW + timedelta(hours=19)
    rq.mark_door(
        session=session, actor=world.actor(runner), request_id=mine.id, outcome="delivered", now=later
    )
    rq.mark_door(
        session=session, actor=world.actor(runner), request_id=by_desk.id, outcome="not_at_home", now=later
    )
    assert (mine.status, by_desk.status) == (RequestStatus.DELIVERED, RequestStatus.NOT_AT_HOME)
    # Not at home: on the next day's run again, not lost
    next_cutoff = _cutoff(session, world, CUTOFF + timedelta(days=1))
    runs = rq.run_cutoff(session=session, cutoff_id=next_cutoff.id, now=CUTOFF + timedelta(days=1))
    again = next(r for r in runs if r.label == "Building 1")
    assert by_desk.run_id == again.id and by_desk.status == RequestStatus.RETRIED and by_desk.attempts == 2
    assert late.run_id == again.id


def test_the_resident_confirms_receipt_or_reports_a_problem_to_the_captain(
    session: Session, world: World, resident: Person
) -> None:
    request = order(session, resident, "insulin 1", world.households[0])
    actor = Actor(resident, "telegram")
    with pytest.raises(InvalidTransition, match="not been left"):
        rq.confirm_receipt(session=session, actor=actor, request_id=request.id, now=NOW)
    helper = world.supply_volunteers[0]
    assert request.task_id is not None
    claims.claim(session=session, actor=world.actor(helper), task_id=request.task_id, now=NOW)
    claims.complete(
        session=session, actor=world.actor(helper), task_id=request.task_id, figures={"orders": 1}, now=NOW
    )
    rq.confirm_receipt(session=session, actor=actor, request_id=request.id, now=NOW)
    assert request.receipt_confirmed_at == NOW
    rq.report_problem(session=session, actor=actor, request_id=request.id, problem="one box missing", now=NOW)
    [note] = session.scalars(
        select(Notification).where(Notification.msgid.like("Problem with request%"))
    ).all()
    assert (
        note.person_id == world.supply_captain.id
        and note.private
        and note.params["problem"] == "one box missing"
    )


def test_a_resident_sees_only_their_own_household(session: Session, world: World, resident: Person) -> None:
    theirs = rq.place_request(
        session=session,
        actor=world.actor(world.supply_captain),
        household=world.households[1],
        items="milk",
        channel=RequestChannel.CAPTAIN,
        now=NOW,
    )
    mine = order(session, resident, "bread", world.households[0])
    actor = Actor(resident, "telegram")
    before = counts(session)
    with pytest.raises(NotFound):
        rq.get_request(session, actor=actor, request_id=theirs.id)
    with pytest.raises(NotAllowed):  # nor order for them
        order(session, resident, "rice", world.households[1])
    assert counts(session) == before
    assert [r.id for r in rq.list_requests(session, actor=actor, community=world.community)] == [mine.id]
    with pytest.raises(NotAllowed):  # nor search households
        rq.find_for_desk(session, actor=actor, community=world.community, text="Li Ming", now=NOW)


def test_the_desk_finds_households_by_address_name_or_phone(session: Session, world: World) -> None:
    lead = world.actor(world.gate_captain)
    assert rq.find_for_desk(session, actor=lead, community=world.community, text="1-2-301", now=NOW) == [
        world.households[0]
    ]
    assert rq.find_for_desk(session, actor=lead, community=world.community, text="li ming", now=NOW) == [
        world.households[1]
    ]
    assert rq.find_for_desk(session, actor=lead, community=world.community, text="0002", now=NOW) == [
        world.households[1]
    ]


def test_a_volunteer_at_the_desk_finds_a_household_only_by_what_the_resident_says_whole(
    session: Session, world: World
) -> None:
    """Part of a name or of a number would let anyone at the desk walk through the register; and a household
    found by its name is named to the volunteer by its building only, never its address."""
    desk = world.actor(world.volunteers[0])
    household = world.households[1]

    def find(text: str) -> list[Household]:
        return rq.find_for_desk(session, actor=desk, community=world.community, text=text, now=NOW)

    assert find("1-2-301") == [world.households[0]]
    assert find("li") == [] and find("0002") == []
    assert find(household.contact_name.upper()) == [household]
    assert find(household.phone) == [household]
    assert rq.desk_name(session, actor=desk, household=household, typed=household.contact_name) == (
        household.building.name
    )
    assert household.address not in rq.desk_name(session, actor=desk, household=household)
    assert rq.desk_name(session, actor=desk, household=world.households[0], typed="1-2-301") == (
        world.households[0].address
    )
    assert (
        rq.desk_name(session, actor=world.actor(world.gate_captain), household=household) == household.address
    )


def test_runs_per_grid_when_the_community_says_so(session: Session, world: World, resident: Person) -> None:
    rq.set_request_settings(
        session=session,
        actor=SYSTEM,
        community_id=world.community.id,
        scope=RunScope.GRID,
        cutoff=time(18, 0),
    )
    order(session, resident, "rice", world.households[0])
    rq.place_request(
        session=session,
        actor=world.actor(world.supply_captain),
        household=world.households[1],
        items="milk",
        channel=RequestChannel.CAPTAIN,
        now=NOW,
    )
    runs = rq.run_cutoff(
        session=session, cutoff_id=_cutoff(session, world, NOW + timedelta(hours=4)).id, now=NOW
    )
    assert [r.label for r in runs] == ["Grid 1-1"]


def test_figures_and_exports(session: Session, world: World, resident: Person) -> None:
    request = order(session, resident, "rice 2 bags", world.households[0])
    rq.place_request(
        session=session,
        actor=world.actor(world.supply_captain),
        household=world.households[1],
        items="aspirin",
        channel=RequestChannel.CAPTAIN,
        now=NOW,
    )
    [run] = [r for r in rq.run_cutoff(session=session, cutoff_id=_cutoff(session, world).id, now=CUTOFF)]
    runner = world.supply_volunteers[1]
    claims.claim(session=session, actor=world.actor(runner), task_id=run.run_task_id, now=CUTOFF)  # type: ignore[arg-type]
    rq.mark_door(
        session=session,
        actor=world.actor(runner),
        request_id=request.id,
        outcome="delivered",
        now=CUTOFF + timedelta(hours=1),
    )
    figures = rq.request_figures(
        session,
        community_id=world.community.id,
        start=NOW - timedelta(hours=6),
        end=NOW + timedelta(hours=18),
    )
    assert figures["requests_received"] == {"chat": 1, "desk": 0, "captain": 1, "call": 0}
    assert figures["requests_delivered"]["chat"] == 1 and figures["requests_open"]["captain"] == 1
    assert (figures["group_buy_parcels"], figures["heavy_items"], figures["median_minutes_to_door"]) == (
        1,
        2,
        420.0,
    )
    rows = rq.export_rows(
        session, actor=world.actor(world.volunteers[0]), community_id=world.community.id, now=NOW
    )
    assert "13800000001" not in repr(rows) and "2-301" not in repr(rows)
    with pytest.raises(NotAllowed):
        rq.export_rows(
            session,
            actor=world.actor(world.supply_captain),
            community_id=world.community.id,
            now=NOW,
            private=True,
        )
    rows = rq.export_rows(
        session, actor=world.actor(world.coordinator), community_id=world.community.id, now=NOW, private=True
    )
    assert "13800000001" in repr(rows)
    logged = session.scalars(select(Event.data).where(Event.action == "requests_exported")).all()
    assert [d["private"] for d in logged] == [False, True]
    assert rq.as_xlsx(rows)[:2] == b"PK" and rq.as_csv(rows).startswith("id,received")


def test_requests_older_than_the_setting_are_overdue(
    session: Session, world: World, resident: Person
) -> None:
    old = order(session, resident, "rice", world.households[0])
    new = order(session, resident, "milk", world.households[0], now=NOW + timedelta(hours=30))
    later = NOW + timedelta(hours=37)  # the default: overdue after 36 hours
    assert rq.overdue_requests(session, community=world.community, now=later) == [old]
    figures = rq.request_figures(session, community_id=world.community.id, start=NOW, end=later)
    assert figures["requests_overdue"] == 1 and new.is_open
    rq.set_request_settings(session=session, actor=SYSTEM, community_id=world.community.id, overdue_hours=6)
    assert rq.overdue_requests(session, community=world.community, now=later) == [old, new]
    with pytest.raises(NotAllowed):
        rq.set_request_settings(
            session=session,
            actor=Actor(resident, "telegram"),
            community_id=world.community.id,
            overdue_hours=1,
        )


def test_a_check_in_calls_needs_are_requests_of_the_household(session: Session, world: World) -> None:
    from coord.models import WatchColour
    from coord.services import watch

    household = world.households[0]
    watch.set_colour(
        session=session,
        actor=SYSTEM,
        household=household,
        colour=WatchColour.BLUE,
        reason="quarantine",
        now=NOW,
    )
    call = session.scalars(
        select(Task).where(Task.household_id == household.id, Task.kind == "checkin_call")
    ).one()
    helper = world.supply_volunteers[0]
    claims.claim(session=session, actor=world.actor(helper), task_id=call.id, now=NOW)
    claims.complete(
        session=session,
        actor=world.actor(helper),
        task_id=call.id,
        figures={"reached": "yes", "temperature": "36.5", "needs": "rice, insulin"},
        now=NOW,
    )
    made = session.scalars(
        select(HouseholdRequest)
        .where(HouseholdRequest.household_id == household.id)
        .order_by(HouseholdRequest.id)
    ).all()
    assert [(r.channel, r.urgent, r.status) for r in made] == [
        (RequestChannel.CALL, True, RequestStatus.ACCEPTED),
        (RequestChannel.CALL, False, RequestStatus.ACCEPTED),
    ]
    tasks = [session.get_one(Task, r.task_id) for r in made]
    assert [(t.kind, t.origin_task_id, t.team_id) for t in tasks] == [
        ("purchase", call.id, call.team_id),
        ("delivery", call.id, call.team_id),
    ]
    # The same needs said again the next day, while the first are open: flagged, not doubled
    again = rq.place_request(
        session=session, actor=SYSTEM, household=household, items="rice", channel=RequestChannel.CALL, now=NOW
    )
    assert again.duplicate_of_id == made[1].id and again.task_id is None


def test_work_given_back_puts_its_requests_back_to_wait_for_the_next_taker(
    session: Session, world: World, resident: Person
) -> None:
    request = order(session, resident, "insulin 1", world.households[0])
    assert request.task_id is not None
    first, second = world.supply_volunteers
    claims.claim(session=session, actor=world.actor(first), task_id=request.task_id, now=NOW)
    assert request.status == RequestStatus.ON_THE_WAY
    claims.release(session=session, actor=world.actor(first), task_id=request.task_id, reason="ill", now=NOW)
    assert request.status == RequestStatus.ACCEPTED
    claims.claim(session=session, actor=world.actor(second), task_id=request.task_id, now=NOW)
    claims.cannot_complete(
        session=session, actor=world.actor(second), task_id=request.task_id, reason="shop closed", now=NOW
    )
    assert request.status == RequestStatus.ACCEPTED


def test_cancelled_work_loses_no_request(session: Session, world: World, resident: Person) -> None:
    """A captain cancels a run: its requests wait for the next cut-off; cancels medicine bought at once: it is
    bought at once again, as new urgent work."""
    from coord.services.work.tasks import cancel_task

    food = order(session, resident, "rice 1 bag", world.households[0])
    medicine = order(session, resident, "insulin 1 box", world.households[0])
    first_purchase = medicine.task_id
    assert first_purchase is not None
    [run] = rq.run_cutoff(session=session, cutoff_id=_cutoff(session, world).id, now=CUTOFF)
    assert food.run_id == run.id and food.status == RequestStatus.ACCEPTED
    captain = world.actor(world.supply_captain)
    cancel_task(session=session, actor=captain, task_id=run.run_task_id, reason="no runner", now=CUTOFF)
    assert (food.status, food.run_id, food.task_id) == (RequestStatus.RECEIVED, None, None)
    cancel_task(session=session, actor=captain, task_id=first_purchase, reason="wrong shop", now=CUTOFF)
    again = session.get_one(Task, medicine.task_id)
    assert (
        again.id != first_purchase and again.priority == Priority.URGENT and again.status == TaskStatus.OPEN
    )
    assert medicine.status == RequestStatus.ACCEPTED
    # The next cut-off carries the food again
    next_cutoff = _cutoff(session, world, CUTOFF + timedelta(days=1))
    [later] = rq.run_cutoff(session=session, cutoff_id=next_cutoff.id, now=CUTOFF + timedelta(days=1))
    assert food.run_id == later.id and food.status == RequestStatus.ACCEPTED


def test_a_run_nobody_takes_climbs_the_urgent_ladder(
    session: Session, world: World, resident: Person
) -> None:
    """Requests nobody takes escalate as urgent work does: the team after 15 minutes, the captain after 30,
    coordinators after 45."""
    from coord.services.escalation.climb import arm_escalations, climb

    order(session, resident, "rice 1 bag", world.households[0])
    [run] = rq.run_cutoff(session=session, cutoff_id=_cutoff(session, world).id, now=CUTOFF)
    tasks = [session.get_one(Task, run.buy_task_id), session.get_one(Task, run.run_task_id)]
    assert {t.priority for t in tasks} == {Priority.URGENT}
    until = CUTOFF + timedelta(minutes=46)
    arm_escalations(session, now=CUTOFF)
    for task in tasks:
        while task.escalation_due_at is not None and task.escalation_due_at <= until:
            climb(session=session, task_id=task.id, token=task.escalation_token, now=task.escalation_due_at)
    told = session.scalars(
        select(Notification.person_id).where(
            Notification.task_id == tasks[1].id, Notification.person_id.is_not(None)
        )
    ).all()
    assert world.supply_captain.id in told and world.coordinator.id in told


def test_request_exports_write_formula_looking_text_as_text() -> None:
    """A household's items typed as a formula never run when a coordinator opens the export."""
    import io

    from openpyxl import load_workbook

    rows: list[list[object]] = [["id", "items"], [1, '=HYPERLINK("http://example.org","x")'], [2, "@SUM(A1)"]]
    assert "'=HYPERLINK" in rq.as_csv(rows) and "'@SUM(A1)" in rq.as_csv(rows)
    sheet = load_workbook(io.BytesIO(rq.as_xlsx(rows))).active
    assert sheet is not None
    cell = sheet["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.org","x")', "s")
