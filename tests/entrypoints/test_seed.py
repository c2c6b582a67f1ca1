"""The demo seed: the sizes DOMAIN.md gives, built through the services, the same for the same seed."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.entrypoints.seed import DEMO_SLUG, seed_demo
from coord.errors import InvalidInput
from coord.models import (
    Assignment,
    Community,
    Event,
    Household,
    Person,
    Priority,
    Task,
    Team,
    Template,
    WatchColour,
)
from tests.factories import NOW

CHINESE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def test_the_demo_has_the_sizes_of_the_articles(session: Session) -> None:
    # When the demo is seeded
    summary = seed_demo(session=session, now=NOW)
    # Then its geography, households and people have the sizes DOMAIN.md gives
    assert (summary.zones, summary.gates, summary.depots, summary.drop_points) == (2, 2, 1, 1)
    assert summary.grids >= 3 and summary.buildings >= 14
    assert 1_800 <= summary.households <= 2_600
    assert summary.elderly_alone >= 50 and summary.quarantined >= 10
    assert (summary.teams, summary.captains, summary.coordinators) == (3, 3, 1)
    assert summary.volunteers >= 40 and summary.invites >= 4
    community = session.scalars(select(Community).where(Community.slug == DEMO_SLUG)).one()
    assert community.language == "zh" and community.id == summary.community_id
    teams = session.scalars(select(Team).where(Team.community_id == community.id).order_by(Team.id)).all()
    assert [t.name for t in teams] == ["门岗防控组", "生活物资采购组", "应急组"]
    assert [t.is_reserve for t in teams] == [False, False, True]
    names = session.scalars(select(Person.name).where(Person.community_id == community.id)).all()
    assert len(names) == len(set(names)) == 44 and all(CHINESE.match(n) for n in names)
    colours = _count_by(session, Household.watch_colour, Household.community_id == community.id)
    assert colours[WatchColour.BLUE] > 0 and colours[WatchColour.YELLOW] > 0


def test_the_demo_has_a_week_of_recurring_work_and_one_urgent_delivery(session: Session) -> None:
    summary = seed_demo(session=session, now=NOW)
    cid = summary.community_id
    kinds = _count_by(session, Task.kind, Task.community_id == cid)
    assert kinds["gate_shift"] == 2 * 4 * 7  # two gates, four shifts a day, a week
    assert kinds["disinfection"] >= 14 * 2 * 6  # every building twice a day
    assert kinds["checkin_call"] > 0 and kinds["delivery"] >= 4 and kinds["purchase"] >= 1
    assert summary.tasks == sum(kinds.values()) and summary.templates == 4
    starts = session.scalars(
        select(Task.starts_at).where(Task.community_id == cid, Task.starts_at.is_not(None))
    )
    moments = sorted(starts)
    assert (
        moments[0] >= NOW and moments[-1] - NOW > timedelta(days=6) and moments[-1] - NOW < timedelta(days=7)
    )
    # Today's calls go to households in quarantine (blue) or being traced (yellow), made by their colour
    # (no template), each to the named responsible person; green ones are called back in a few days
    called = session.execute(
        select(Household.watch_colour, Household.quarantine_until, Task.due_at)
        .join(Task, Task.household_id == Household.id)
        .where(Task.kind == "checkin_call")
    ).all()
    assert called and {colour for colour, _, _ in called} == {WatchColour.BLUE, WatchColour.YELLOW}
    assert all(due.date() <= until for _, until, due in called)
    lead_holds = session.execute(
        select(Household.watch_lead_id, Assignment.person_id)
        .join(Task, Task.household_id == Household.id)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(Task.kind == "checkin_call")
    ).all()
    assert lead_holds and all(lead == holder for lead, holder in lead_holds)
    urgent = session.scalars(
        select(Task).where(Task.community_id == cid, Task.priority == Priority.URGENT)
    ).all()
    assert [(t.kind, t.household is not None and t.household.lives_alone) for t in urgent] == [
        ("purchase", True)
    ]
    assert summary.urgent_tasks == 1
    # The next gate shifts are staffed, through the assignment service (so the log shows it)
    shifts = select(Task.id).where(Task.kind == "gate_shift")
    assigned = session.scalar(
        select(func.count()).select_from(Event).where(Event.action == "assigned", Event.task_id.in_(shifts))
    )
    held = session.scalar(select(func.count()).select_from(Assignment).where(Assignment.task_id.in_(shifts)))
    assert assigned == held == 8


def test_the_same_seed_gives_the_same_community(session: Session) -> None:
    first = _fingerprint_of_seed(session, 1)
    again = _fingerprint_of_seed(session, 1)
    other = _fingerprint_of_seed(session, 2)
    assert first == again
    assert first != other


def test_seeding_twice_is_refused_and_changes_nothing(session: Session) -> None:
    seed_demo(session=session, now=NOW)
    before = session.scalar(select(func.count()).select_from(Event))
    with pytest.raises(InvalidInput, match="already"):
        seed_demo(session=session, now=NOW + timedelta(hours=1))
    assert session.scalar(select(func.count()).select_from(Event)) == before
    assert session.scalar(select(func.count()).select_from(Template)) == 4


def _fingerprint_of_seed(session: Session, seed: int) -> tuple[Any, ...]:
    """Seed inside a savepoint, read what was made (ids left out), and roll it back."""
    nested = session.begin_nested()
    seed_demo(session=session, now=NOW, seed=seed)
    people = session.execute(select(Person.name, Person.phone, Person.skills).order_by(Person.id)).all()
    households = session.execute(
        select(
            Household.unit, Household.room, Household.elderly, Household.watch_colour, Household.contact_name
        ).order_by(Household.id)
    ).all()
    tasks = session.execute(select(Task.title, Task.starts_at, Task.due_at).order_by(Task.id)).all()
    holders = session.scalars(
        select(Person.name).join(Assignment, Assignment.person_id == Person.id).order_by(Assignment.id)
    ).all()
    nested.rollback()
    return tuple(map(tuple, people)), tuple(map(tuple, households)), tuple(map(tuple, tasks)), tuple(holders)


def _count_by(session: Session, column: Any, *where: Any) -> dict[Any, int]:
    rows = session.execute(select(column, func.count()).where(*where).group_by(column)).all()
    return {value: count for value, count in rows}
