"""The four-colour watch list: colours with reasons, the people responsible, the follow-up each colour
makes (and replaces), what a call finds, and needs that become work; on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed, NotFound
from coord.models import (
    Assignment,
    AssignmentState,
    Event,
    Household,
    Notification,
    Priority,
    Task,
    TaskStatus,
    WatchColour,
)
from coord.services import watch
from coord.services.work import claims
from tests.factories import NOW, SYSTEM, World

TODAY = date(2026, 3, 2)  # NOW in Asia/Shanghai


def live_calls(session: Session, household: Household, kind: str = "checkin_call") -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.household_id == household.id, Task.kind == kind, Task.status != TaskStatus.CANCELLED)
            .order_by(Task.id)
        )
    )


def holders(session: Session, task: Task) -> set[int]:
    return set(
        session.scalars(
            select(Assignment.person_id).where(
                Assignment.task_id == task.id, Assignment.state == AssignmentState.CLAIMED
            )
        )
    )


def report(session: Session, world: World, task: Task, person_index: int = 0, **figures: str) -> None:
    person = world.supply_volunteers[person_index]
    claims.complete(session=session, actor=world.actor(person), task_id=task.id, figures=figures, now=NOW)


@pytest.fixture
def wang(session: Session, world: World) -> Household:
    """The elderly household of Building 1, not on the watch list yet, with Helper 1 responsible for it."""
    household = world.households[0]
    watch.set_responsible(
        session=session,
        actor=world.actor(world.supply_captain),
        household=household,
        lead=world.supply_volunteers[0],
        medic=world.supply_volunteers[1],
        now=NOW,
    )
    return household


def test_a_captain_sets_a_colour_with_a_reason_and_the_named_person_gets_the_call(
    session: Session, world: World, wang: Household
) -> None:
    # When the supply captain marks the household yellow, being traced
    captain = world.actor(world.supply_captain)
    watch.set_colour(
        session=session,
        actor=captain,
        household=wang,
        colour=WatchColour.YELLOW,
        reason="back from Wuhan",
        now=NOW,
    )
    # Then it is yellow for that reason, recorded as an event
    assert (wang.watch_colour, wang.watch_reason, wang.watch_set_at) == (
        WatchColour.YELLOW,
        "back from Wuhan",
        NOW,
    )
    event = session.scalars(select(Event).where(Event.action == "watch_colour_set")).one()
    assert event.actor_id == world.supply_captain.id and event.data["new"] == "yellow"
    # And today's tracing call is made at once and given to the named person, with the details privately
    [call] = live_calls(session, wang)
    assert holders(session, call) == {world.supply_volunteers[0].id}
    assert call.team_id == world.supply_team.id and call.occurrence_key == f"watch:{wang.id}:{TODAY}:call"
    assert "Wang Lan" not in call.title and "301" not in call.title
    private = session.scalars(
        select(Notification).where(Notification.private.is_(True), Notification.task_id == call.id)
    ).one()
    assert private.person_id == world.supply_volunteers[0].id and "13800000001" in private.params["details"]
    assert "back from Wuhan" in private.params["details"]


def test_a_colour_change_replaces_the_calls_never_doubles_them(
    session: Session, world: World, wang: Household
) -> None:
    captain = world.actor(world.supply_captain)
    watch.set_colour(
        session=session, actor=captain, household=wang, colour=WatchColour.YELLOW, reason="traced", now=NOW
    )
    [yellow_call] = live_calls(session, wang)
    # When the household is verified and put in home quarantine (blue) the same afternoon
    later = NOW + timedelta(hours=1)
    watch.set_colour(
        session=session, actor=captain, household=wang, colour=WatchColour.BLUE, reason="verified", now=later
    )
    # Then the yellow call is cancelled and its holder told; one call stands for today, and a quarantine
    # of 14 days (today included) has begun
    assert yellow_call.status == TaskStatus.CANCELLED
    assert session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.dedupe_key.like(f"task:{yellow_call.id}:cancelled:%"))
    )
    [blue_call] = live_calls(session, wang)
    assert blue_call.id != yellow_call.id and wang.quarantine_until == TODAY + timedelta(days=13)
    assert watch.quarantine_day(wang, TODAY) == 1
    # When the call is done and the colour is set again, no second call is made today
    report(session, world, blue_call, reached="yes", temperature="36.6", symptoms="no")
    watch.set_colour(
        session=session, actor=captain, household=wang, colour=WatchColour.YELLOW, reason="again", now=later
    )
    watch.set_colour(
        session=session, actor=captain, household=wang, colour=WatchColour.BLUE, reason="back", now=later
    )
    assert [t.id for t in live_calls(session, wang)] == [blue_call.id]
    # And running the duty again (a message delivered twice) makes nothing new
    watch.follow_up(session, wang, now=later)
    watch.run_watch(session=session, household_id=wang.id, token=wang.watch_token - 1, now=later)
    assert [t.id for t in live_calls(session, wang)] == [blue_call.id]


def test_a_captain_of_another_team_may_change_the_colour_and_the_old_calls_still_go(
    session: Session, world: World, wang: Household
) -> None:
    # Given a tracing call of the supply team (its volunteer is responsible for the household)
    watch.set_colour(
        session=session,
        actor=world.actor(world.supply_captain),
        household=wang,
        colour=WatchColour.YELLOW,
        reason="traced",
        now=NOW,
    )
    [yellow_call] = live_calls(session, wang)
    assert yellow_call.team_id == world.supply_team.id
    # When the gate captain, who keeps the watch list too, turns the household red
    watch.set_colour(
        session=session,
        actor=world.actor(world.gate_captain),
        household=wang,
        colour=WatchColour.RED,
        reason="fever at the gate",
        now=NOW + timedelta(minutes=5),
    )
    # Then the change stands (it used to be refused: the call was not the gate team's to cancel)
    assert wang.watch_colour == WatchColour.RED and yellow_call.status == TaskStatus.CANCELLED
    assert live_calls(session, wang) == []


def test_only_captains_and_coordinators_keep_the_watch_list_and_bad_input_changes_nothing(
    session: Session, world: World, wang: Household
) -> None:
    volunteer = world.actor(world.volunteers[0])
    with pytest.raises(NotAllowed, match="captain or a coordinator"):
        watch.set_colour(
            session=session, actor=volunteer, household=wang, colour=WatchColour.RED, reason="x", now=NOW
        )
    with pytest.raises(NotAllowed):
        watch.find_household(session, actor=volunteer, community=world.community, ref="Building 1-2-301")
    with pytest.raises(InvalidInput, match="why"):
        watch.set_colour(
            session=session,
            actor=world.actor(world.gate_captain),
            household=wang,
            colour=WatchColour.RED,
            reason=" ",
            now=NOW,
        )
    assert wang.watch_colour is None and not live_calls(session, wang)


def test_a_fever_turns_the_household_red_and_the_leads_follow_up_in_person(
    session: Session, world: World, wang: Household
) -> None:
    captain = world.actor(world.supply_captain)
    watch.set_colour(
        session=session,
        actor=captain,
        household=wang,
        colour=WatchColour.BLUE,
        reason="home quarantine",
        now=NOW,
    )
    [call] = live_calls(session, wang)
    # When the call finds 37.8 °C
    report(session, world, call, reached="yes", temperature="37.8", symptoms="no")
    # Then the household is red, the captain and coordinators are told at once
    assert wang.watch_colour == WatchColour.RED and "37.8" in wang.watch_reason
    told = set(session.scalars(select(Notification.person_id).where(Notification.dedupe_key.like("red:%"))))
    assert told == {world.supply_captain.id, world.coordinator.id}
    # And an urgent follow-up is given to the named person and the party secretary, details privately
    [follow] = live_calls(session, wang, "follow_up")
    assert follow.priority == Priority.URGENT and follow.capacity == 2
    assert holders(session, follow) == {world.supply_volunteers[0].id, world.coordinator.id}
    details = session.scalars(
        select(Notification.person_id).where(
            Notification.private.is_(True), Notification.task_id == follow.id
        )
    ).all()
    assert set(details) == {world.supply_volunteers[0].id, world.coordinator.id}
    # And no second check-in call is made that day
    assert len(live_calls(session, wang)) == 1


def test_needs_said_on_a_call_become_work_for_the_household(
    session: Session, world: World, wang: Household
) -> None:
    watch.set_colour(
        session=session,
        actor=SYSTEM,
        household=wang,
        colour=WatchColour.BLUE,
        reason="home quarantine",
        now=NOW,
    )
    [call] = live_calls(session, wang)
    report(
        session,
        world,
        call,
        reached="yes",
        temperature="36.5",
        needs="rice, cooking oil and blood pressure pills",
    )
    assert call.assignments[0].figures["needs"] == "rice, cooking oil and blood pressure pills"
    made = session.scalars(select(Task).where(Task.origin_task_id == call.id).order_by(Task.id)).all()
    assert [(t.kind, t.priority, t.household_id, t.team_id) for t in made] == [
        ("purchase", Priority.URGENT, wang.id, world.supply_team.id),
        ("delivery", Priority.NORMAL, wang.id, world.supply_team.id),
    ]
    assert "blood pressure pills" in made[0].private_details and "pills" not in made[0].title
    assert "rice、" not in made[1].private_details and "rice, cooking oil" in made[1].private_details
    # Whoever takes the medicine gets the address and phone privately
    helper = world.supply_volunteers[1]
    claims.claim(session=session, actor=world.actor(helper), task_id=made[0].id, now=NOW)
    note = session.scalars(
        select(Notification).where(Notification.task_id == made[0].id, Notification.private.is_(True))
    ).one()
    assert note.person_id == helper.id and "13800000001" in note.params["details"]


def test_a_call_that_reached_nobody_records_no_needs(session: Session, world: World, wang: Household) -> None:
    watch.set_colour(
        session=session, actor=SYSTEM, household=wang, colour=WatchColour.YELLOW, reason="traced", now=NOW
    )
    [call] = live_calls(session, wang)
    report(session, world, call, reached="no", needs="rice")
    assert "needs" not in call.assignments[0].figures
    assert session.scalar(select(func.count()).select_from(Task).where(Task.origin_task_id == call.id)) == 0


def test_splitting_needs_into_medicine_and_supplies() -> None:
    assert watch.split_needs("大米、食用油和降压药") == (["降压药"], ["大米", "食用油"])
    assert watch.split_needs("insulin; eggs / milk") == (["insulin"], ["eggs", "milk"])
    assert watch.split_needs("  ") == ([], [])


def test_green_is_called_back_every_few_days(session: Session, world: World, wang: Household) -> None:
    world.community.green_call_days = 4
    watch.set_colour(
        session=session, actor=SYSTEM, household=wang, colour=WatchColour.GREEN, reason="low risk", now=NOW
    )
    assert not live_calls(session, wang)
    assert wang.watch_due_at is not None
    assert wang.watch_due_at.astimezone(watch.schedule.ZoneInfo("Asia/Shanghai")).date() == TODAY + timedelta(
        days=4
    )
    watch.follow_up(session, wang, now=wang.watch_due_at)
    assert len(live_calls(session, wang)) == 1


def test_finding_showing_listing_and_searching_households(
    session: Session, world: World, wang: Household
) -> None:
    coordinator = world.actor(world.coordinator)
    community = world.community
    # By address, however the building is written
    for ref in ("Building 1-2-301", "building1-2-301", "1-2-301", f"#{wang.id}"):
        assert watch.find_household(session, actor=coordinator, community=community, ref=ref) is wang
    with pytest.raises(NotFound):
        watch.find_household(session, actor=coordinator, community=community, ref="9-9-999")
    # By name, phone or room
    for text in ("wang", "13800000001", "0000 0001", "301"):
        assert watch.search_households(
            session, actor=coordinator, community=community, text=text, now=NOW
        ) == [wang]
    # Listed by colour with the quarantine day, the last call's result and who is responsible
    li = world.households[1]
    watch.set_colour(
        session=session,
        actor=coordinator,
        household=li,
        colour=WatchColour.BLUE,
        reason="quarantine",
        now=NOW,
    )
    [view] = watch.watch_list(
        session, actor=coordinator, community=community, colour=WatchColour.BLUE, now=NOW
    )
    assert view.household is li and view.quarantine_day == 14 - (date(2026, 3, 10) - TODAY).days
    [call] = live_calls(session, li)
    claims.claim(session=session, actor=world.actor(world.supply_volunteers[0]), task_id=call.id, now=NOW)
    report(session, world, call, reached="yes", temperature="36.4", symptoms="no")
    seen = watch.household_view(session, actor=coordinator, household=li, now=NOW)
    assert seen.last_call is not None and seen.last_call.figures["temperature"] == 36.4
    assert watch.household_view(session, actor=coordinator, household=wang, now=NOW).lead == "Helper 1"
    assert watch.colour_counts(session, actor=coordinator, community=community)[WatchColour.BLUE] == 1
    # Every read is recorded: who read, through which channel
    reads = session.scalars(
        select(Event.action).where(
            Event.action.in_(["household_read", "watch_list_read", "households_searched"])
        )
    ).all()
    assert sorted(set(reads)) == ["household_read", "households_searched", "watch_list_read"]


def test_calls_made_another_way_give_way_too(session: Session, world: World, wang: Household) -> None:
    # Given a call to the household made by hand (or by a recurring template) for this afternoon
    from tests.factories import checkin_call

    watch.set_colour(
        session=session, actor=SYSTEM, household=wang, colour=WatchColour.BLUE, reason="q", now=NOW
    )
    [made] = live_calls(session, wang)
    other = checkin_call(session, world, household=0, hours=2)
    # When the colour changes, every call nobody has started is cancelled, and one call stands for today
    watch.set_colour(
        session=session, actor=SYSTEM, household=wang, colour=WatchColour.YELLOW, reason="t", now=NOW
    )
    assert (made.status, other.status) == (TaskStatus.CANCELLED, TaskStatus.CANCELLED)
    assert len(live_calls(session, wang)) == 1
    # And the daily duty makes no second call on a day a live one is there, whoever made it
    [yellow] = live_calls(session, wang)
    yellow.occurrence_key = None  # as if a person or a recurring template had made it
    session.flush()
    watch.follow_up(session, wang, now=NOW)
    assert len(live_calls(session, wang)) == 1


def test_a_colour_changed_by_an_import_replaces_the_follow_up(
    session: Session, world: World, wang: Household
) -> None:
    import io

    from coord.services.imports import import_households

    watch.set_colour(
        session=session, actor=SYSTEM, household=wang, colour=WatchColour.BLUE, reason="q", now=NOW
    )
    [call] = live_calls(session, wang)
    source = io.StringIO("building,unit,room,watch_colour\nBuilding 1,2,301,黄\n")
    import_households(session=session, actor=SYSTEM, community=world.community, source=source)
    assert wang.watch_colour == WatchColour.YELLOW and call.status == TaskStatus.CANCELLED
    # The next tick arms the new colour's follow-up, which makes today's call again
    assert wang.watch_due_at is None
    assert watch.arm_watches(session, now=NOW) >= 1 and wang.watch_due_at == NOW
    watch.run_watch(session=session, household_id=wang.id, token=wang.watch_token, now=NOW)
    assert len(live_calls(session, wang)) == 1


def test_a_template_by_colour_beside_the_watch_still_makes_one_call_a_day(
    session: Session, world: World, wang: Household
) -> None:
    from coord.services.recurring import create_template, materialise

    # Given today's call made by the household's colour
    watch.set_colour(
        session=session, actor=SYSTEM, household=wang, colour=WatchColour.BLUE, reason="q", now=NOW
    )
    # When a captain also has blue households called at 16:00 by a recurring template
    template = create_template(
        session=session,
        actor=world.actor(world.supply_captain),
        community=world.community,
        name="Quarantine calls",
        kind="checkin_call",
        title="Daily call — {place}",
        rrule="FREQ=DAILY;BYHOUR=16;BYMINUTE=0",
        starts_on=TODAY,
        team=world.supply_team,
        household_colour=WatchColour.BLUE,
        due_minutes=60,
    )
    materialise(session=session, template=template, now=NOW, days=3)
    # Then the template calls the household from tomorrow on, and the watch makes no second call those days
    from collections import Counter

    from coord.services.watch.schedule import at_local

    wang.watch_due_at = at_local(world.community, TODAY + timedelta(days=1), watch.schedule.CALL_TIME)
    watch.follow_up(session, wang, now=wang.watch_due_at)
    days = Counter(
        t.due_at.astimezone(watch.schedule.ZoneInfo("Asia/Shanghai")).date()
        for t in live_calls(session, wang)
    )
    assert days == {TODAY: 1, TODAY + timedelta(days=1): 1, TODAY + timedelta(days=2): 1}
