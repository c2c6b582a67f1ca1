"""Communities, teams, people and chat accounts through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed, NotFound
from coord.models import Event, TeamRole
from coord.services.people.access import is_captain
from coord.services.people.communities import create_community, get_community, update_community
from coord.services.people.people import (
    add_member,
    add_person,
    create_team,
    declare_health,
    find_person,
    find_team,
    link_account,
    remove_member,
    teams_of,
)
from coord.services.work.claims import claim
from coord.services.work.tasks import create_task
from tests.factories import NOW, SYSTEM, World


def test_community_needs_a_real_timezone_and_a_unique_name(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput, match="Unknown timezone"):
        create_community(session=session, actor=SYSTEM, name="X", timezone="Mars/Base")
    with pytest.raises(InvalidInput, match="exists already"):
        create_community(session=session, actor=SYSTEM, name="Other", slug="ykc")
    assert get_community(session, "ykc").id == world.community.id
    with pytest.raises(NotFound):
        get_community(session, "nowhere")


def test_coordinator_updates_community_volunteer_cannot(session: Session, world: World) -> None:
    with pytest.raises(NotAllowed, match="coordinator"):
        update_community(
            session=session, actor=world.actor(world.volunteers[0]), community=world.community, language="zh"
        )
    update_community(
        session=session,
        actor=world.actor(world.coordinator),
        community=world.community,
        language="中文",
        service_standard="戴口罩，敲门不见面。",
    )
    assert world.community.language == "zh"
    with pytest.raises(InvalidInput, match="cannot be changed"):
        update_community(session=session, actor=SYSTEM, community=world.community, slug="new")


def test_captain_manages_volunteers_but_only_coordinators_make_captains(
    session: Session, world: World
) -> None:
    newcomer = add_person(
        session=session, actor=SYSTEM, community=world.community, name="张伟", skills=["Driver", " "]
    )
    assert newcomer.skills == ["driver"] and newcomer.language == "en"
    captain = world.actor(world.gate_captain)
    add_member(session=session, actor=captain, team=world.gate_team, person=newcomer)
    with pytest.raises(NotAllowed):
        add_member(
            session=session, actor=captain, team=world.gate_team, person=newcomer, role=TeamRole.CAPTAIN
        )
    with pytest.raises(NotAllowed):
        add_member(session=session, actor=captain, team=world.supply_team, person=newcomer)
    add_member(
        session=session,
        actor=world.actor(world.coordinator),
        team=world.gate_team,
        person=newcomer,
        role=TeamRole.CAPTAIN,
    )
    assert is_captain(session, newcomer, world.gate_team.id)
    assert [(t.name, r) for t, r in teams_of(session, newcomer)] == [("Gate duty", TeamRole.CAPTAIN)]
    remove_member(
        session=session, actor=world.actor(world.coordinator), team=world.gate_team, person=newcomer
    )
    assert teams_of(session, newcomer) == []
    with pytest.raises(NotFound):
        remove_member(session=session, actor=SYSTEM, team=world.gate_team, person=newcomer)


def test_find_team_and_person(session: Session, world: World) -> None:
    assert find_team(session, world.community.id, "Supplies").id == world.supply_team.id
    assert find_team(session, world.community.id, str(world.gate_team.id)).id == world.gate_team.id
    with pytest.raises(NotFound, match="no team"):
        find_team(session, world.community.id, "Nobody")
    add_person(session=session, actor=SYSTEM, community=world.community, name="Volunteer 1")
    with pytest.raises(InvalidInput, match="use their number"):
        find_person(session, world.community.id, "Volunteer 1")
    with pytest.raises(NotFound, match="no person"):
        find_person(session, world.community.id, "Nobody")
    with pytest.raises(InvalidInput, match="exists already"):
        create_team(session=session, actor=SYSTEM, community=world.community, name="Supplies")


def test_chat_account_belongs_to_one_person(session: Session, world: World) -> None:
    a, b = world.volunteers[:2]
    link_account(session=session, actor=SYSTEM, person=a, network="telegram", external_id="42")
    with pytest.raises(InvalidInput, match="already linked"):
        link_account(session=session, actor=SYSTEM, person=b, network="telegram", external_id="42")
    link_account(session=session, actor=SYSTEM, person=b, network="matrix", external_id="42")


def test_health_declaration_is_checked_and_recorded(session: Session, world: World) -> None:
    me = world.actor(world.volunteers[0])
    with pytest.raises(InvalidInput, match="between 34 and 43"):
        declare_health(session=session, actor=me, day=date(2026, 3, 2), healthy=True, temperature=48)
    declare_health(session=session, actor=me, day=date(2026, 3, 2), healthy=True, temperature=36.4)
    again = declare_health(session=session, actor=me, day=date(2026, 3, 2), healthy=False, temperature=37.9)
    assert again.healthy is False
    actions = session.scalars(select(Event.action).where(Event.subject_id == world.volunteers[0].id)).all()
    assert actions.count("health_declared") == 2


def test_claiming_waits_for_todays_health_declaration_where_required(session: Session, world: World) -> None:
    world.community.requires_health_declaration = True
    task = create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="delivery",
        title="Rice",
        due_at=NOW + timedelta(hours=3),
        now=NOW,
    )
    me = world.actor(world.volunteers[0])
    with pytest.raises(NotAllowed, match="health declaration"):
        claim(session=session, actor=me, task_id=task.id, now=NOW)
    declare_health(
        session=session, actor=me, day=date(2026, 3, 1), healthy=True
    )  # yesterday's does not count
    with pytest.raises(NotAllowed, match="health declaration"):
        claim(session=session, actor=me, task_id=task.id, now=NOW)
    declare_health(session=session, actor=me, day=date(2026, 3, 2), healthy=True)  # NOW is 14:00 on 2 March
    assert claim(session=session, actor=me, task_id=task.id, now=NOW).task_id == task.id


@pytest.mark.parametrize("number", ["2200000000", "#99999999999", "０１２", "²"])
def test_a_number_no_row_can_have_is_not_found(session: Session, world: World, number: str) -> None:
    # Given a number past PostgreSQL's integer (once a query error: "something went wrong"), or digits
    # that are not ASCII; When a team, a person or a community is looked up by it; Then it is not found
    community_id = world.community.id
    with pytest.raises(NotFound):
        find_team(session, community_id, number)
    with pytest.raises(NotFound):
        find_person(session, community_id, number)
    with pytest.raises(NotFound):
        get_community(session, number)


def test_a_person_is_told_when_their_role_in_a_team_changes(session: Session, world: World) -> None:
    """Made captain (from the board, the CLI or an import) or volunteer again: the bot tells them; joining
    with the role they have, or as a new member, is said by the invite or the captain already."""
    from coord.models import Notification

    def told() -> list[tuple[str, dict[str, object]]]:
        rows = session.execute(
            select(Notification.msgid, Notification.params)
            .where(Notification.person_id == newcomer.id)
            .order_by(Notification.id)
        ).tuples()
        return [(msgid, dict(params)) for msgid, params in rows]

    newcomer = add_person(session=session, actor=SYSTEM, community=world.community, name="王芳")
    coordinator = world.actor(world.coordinator)
    add_member(session=session, actor=coordinator, team=world.gate_team, person=newcomer)
    add_member(session=session, actor=coordinator, team=world.gate_team, person=newcomer)
    assert told() == []
    add_member(
        session=session, actor=coordinator, team=world.gate_team, person=newcomer, role=TeamRole.CAPTAIN
    )
    add_member(session=session, actor=coordinator, team=world.gate_team, person=newcomer, now=NOW)
    assert [(m.split(":")[0], p) for m, p in told()] == [
        ("You are now a captain of team {team}", {"team": "Gate duty"}),
        ("You are now a volunteer of team {team}, no longer its captain.", {"team": "Gate duty"}),
    ]
