"""Team group chats: who may link and unlink them, link codes that work once and expire, a chat that
follows its group to a new id, and the events that record each change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotAllowed, NotFound
from coord.models import Event, Membership, TeamChat, TeamRole
from coord.services.people.communities import create_community
from coord.services.people.people import create_team, link_account
from coord.services.people.team_chats import (
    LINK_CODE_VALID_FOR,
    bot_left_chat,
    is_link_code,
    link_team_chat,
    link_with_code,
    make_link_code,
    move_team_chat,
    team_chats,
    unlink_team_chat,
)
from tests.factories import NOW, SYSTEM, World


def chats(session: Session) -> dict[str, int]:
    return {c.chat_id: c.team_id for c in session.scalars(select(TeamChat).where(TeamChat.network == "tg"))}


def last_event(session: Session, action: str) -> Event:
    return session.scalars(select(Event).where(Event.action == action).order_by(Event.id.desc())).first()  # type: ignore[return-value]


def test_a_captain_links_and_unlinks_their_teams_chat_and_each_change_is_recorded(
    session: Session, world: World
) -> None:
    captain = world.actor(world.gate_captain, "telegram")
    link_team_chat(session=session, actor=captain, team=world.gate_team, network="tg", chat_id="-1", now=NOW)
    assert chats(session) == {"-1": world.gate_team.id}
    linked = last_event(session, "team_chat_linked")
    assert (linked.actor_id, linked.channel, linked.data["chat_id"]) == (
        world.gate_captain.id,
        "telegram",
        "-1",
    )
    # Linking it again changes nothing and records nothing
    link_team_chat(session=session, actor=captain, team=world.gate_team, network="tg", chat_id="-1", now=NOW)
    assert len(session.scalars(select(Event).where(Event.action == "team_chat_linked")).all()) == 1
    # Unlinking: a volunteer may not, the captain may
    with pytest.raises(NotAllowed):
        unlink_team_chat(session=session, actor=world.actor(world.volunteers[0]), network="tg", chat_id="-1")
    assert (
        unlink_team_chat(session=session, actor=captain, network="tg", chat_id="-1", now=NOW)
        == world.gate_team
    )
    assert chats(session) == {}
    assert last_event(session, "team_chat_unlinked").data == {
        "team_id": world.gate_team.id,
        "network": "tg",
        "chat_id": "-1",
        "reason": "unlinked",
    }
    with pytest.raises(NotFound):
        unlink_team_chat(session=session, actor=captain, network="tg", chat_id="-1")


def test_a_chat_moves_to_another_team_only_for_someone_who_leads_both(session: Session, world: World) -> None:
    link_team_chat(session=session, actor=SYSTEM, team=world.supply_team, network="tg", chat_id="-2")
    # The gate captain leads the gate team, not the supply team whose chat it is
    with pytest.raises(NotAllowed, match="chat of team Supplies"):
        link_team_chat(
            session=session,
            actor=world.actor(world.gate_captain),
            team=world.gate_team,
            network="tg",
            chat_id="-2",
        )
    assert chats(session) == {"-2": world.supply_team.id}
    # A captain of both teams, or a coordinator, may move it
    session.add(
        Membership(team_id=world.supply_team.id, person_id=world.gate_captain.id, role=TeamRole.CAPTAIN)
    )
    session.flush()
    link_team_chat(
        session=session,
        actor=world.actor(world.gate_captain),
        team=world.gate_team,
        network="tg",
        chat_id="-2",
    )
    assert chats(session) == {"-2": world.gate_team.id}
    assert last_event(session, "team_chat_linked").data["moved_from_team_id"] == world.supply_team.id


def test_a_chat_of_another_communitys_team_cannot_be_taken(session: Session, world: World) -> None:
    other = create_community(session=session, actor=SYSTEM, name="安国路社区", timezone="Asia/Shanghai")
    their_team = create_team(session=session, actor=SYSTEM, community=other, name="突击队")
    link_team_chat(session=session, actor=SYSTEM, team=their_team, network="tg", chat_id="-3")
    with pytest.raises(NotAllowed, match="another community"):
        link_team_chat(
            session=session,
            actor=world.actor(world.coordinator),
            team=world.gate_team,
            network="tg",
            chat_id="-3",
        )
    assert chats(session) == {"-3": their_team.id}


def test_a_link_code_works_once_for_its_maker_while_they_lead_and_not_after_it_expires(
    session: Session, world: World
) -> None:
    captain = world.actor(world.gate_captain, "telegram")
    with pytest.raises(NotAllowed):
        make_link_code(session=session, actor=world.actor(world.volunteers[0]), team=world.gate_team, now=NOW)
    made = make_link_code(session=session, actor=captain, team=world.gate_team, now=NOW)
    assert made.expires_at == NOW + LINK_CODE_VALID_FOR and is_link_code(session, made.code.lower(), NOW)
    # Said in a group by a volunteer, it links the group as the captain would
    said_by = world.volunteers[0]
    link_with_code(session=session, code=made.code, network="tg", chat_id="-4", said_by=said_by, now=NOW)
    assert chats(session) == {"-4": world.gate_team.id}
    linked = last_event(session, "team_chat_linked")
    assert (linked.actor_id, linked.subject_id, linked.data["with_code"]) == (
        world.gate_captain.id,
        said_by.id,
        True,
    )
    # Once
    with pytest.raises(InvalidInput, match="not known or has expired"):
        link_with_code(session=session, code=made.code, network="tg", chat_id="-5", now=NOW)
    # Not after it expires, and not once its maker no longer leads the team
    late = make_link_code(session=session, actor=captain, team=world.gate_team, now=NOW)
    with pytest.raises(InvalidInput, match="not known or has expired"):
        link_with_code(
            session=session, code=late.code, network="tg", chat_id="-5", now=NOW + LINK_CODE_VALID_FOR
        )
    demoted = make_link_code(session=session, actor=captain, team=world.gate_team, now=NOW)
    membership = session.scalars(
        select(Membership).where(Membership.person_id == world.gate_captain.id)
    ).one()
    membership.role = TeamRole.VOLUNTEER
    session.flush()
    with pytest.raises(NotAllowed):
        link_with_code(session=session, code=demoted.code, network="tg", chat_id="-5", now=NOW)
    assert chats(session) == {"-4": world.gate_team.id}


def test_a_new_code_replaces_the_makers_earlier_one_for_the_team(session: Session, world: World) -> None:
    captain = world.actor(world.gate_captain)
    first = make_link_code(session=session, actor=captain, team=world.gate_team, now=NOW)
    second = make_link_code(
        session=session, actor=captain, team=world.gate_team, now=NOW + timedelta(minutes=1)
    )
    assert not is_link_code(session, first.code, NOW) and is_link_code(session, second.code, NOW)
    assert not is_link_code(session, "NOTACODE!", NOW) and not is_link_code(session, "Gate duty", NOW)


def test_the_bot_gone_from_a_chat_unlinks_it_naming_who_removed_it(session: Session, world: World) -> None:
    link_account(session=session, actor=SYSTEM, person=world.gate_captain, network="tg", external_id="501")
    for chat_id in ("-6", "-7"):
        link_team_chat(session=session, actor=SYSTEM, team=world.gate_team, network="tg", chat_id=chat_id)
    assert (
        bot_left_chat(session=session, network="tg", chat_id="-6", by_user="501", now=NOW) == world.gate_team
    )
    assert last_event(session, "team_chat_unlinked").actor_id == world.gate_captain.id
    assert (
        bot_left_chat(session=session, network="tg", chat_id="-7", by_user="999", now=NOW) == world.gate_team
    )
    unlinked = last_event(session, "team_chat_unlinked")
    assert unlinked.actor_id is None and unlinked.channel == "tg" and unlinked.data["reason"] == "bot_removed"
    assert bot_left_chat(session=session, network="tg", chat_id="-8", now=NOW) is None  # no team's chat
    assert chats(session) == {}


def test_a_chat_with_a_new_id_keeps_its_team(session: Session, world: World) -> None:
    link_team_chat(session=session, actor=SYSTEM, team=world.gate_team, network="tg", chat_id="-9")
    move_team_chat(session=session, network="tg", old_chat_id="-9", new_chat_id="-1009", now=NOW)
    move_team_chat(session=session, network="tg", old_chat_id="-9", new_chat_id="-1009", now=NOW)  # again
    assert chats(session) == {"-1009": world.gate_team.id}
    assert [(t.name, c.chat_id) for t, c in team_chats(session, world.community.id)] == [
        ("Gate duty", "-1009")
    ]
    assert last_event(session, "team_chat_moved").data["old_chat_id"] == "-9"
