"""Invites listed and revoked; people edited and deactivated, by their captain or a coordinator only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, InvalidTransition, InviteInvalid, NotAllowed
from coord.models import Assignment, AssignmentState, Event, Invite, InviteRole, Notification
from coord.services.people.invites import create_invite, list_invites, redeem_invite, revoke_invite
from coord.services.people.roster import DEACTIVATED, deactivate_person, edit_person, person_card
from coord.services.work.claims import claim
from tests.factories import NOW, SYSTEM, World, gate_shift


def _invite(session: Session, world: World, role: InviteRole, **kw: object) -> str:
    team = None if role == InviteRole.COORDINATOR else kw.pop("team", world.gate_team)
    actor = kw.pop("actor", SYSTEM)
    return create_invite(
        session=session,
        actor=actor,
        community=world.community,
        role=role,
        team=team,
        now=NOW,
        **kw,  # type: ignore[arg-type]
    ).code


def test_invites_are_listed_by_who_may_see_them_and_revoked(session: Session, world: World) -> None:
    gate = _invite(session, world, InviteRole.VOLUNTEER, uses=5, valid_for=timedelta(days=3))
    supply = _invite(session, world, InviteRole.VOLUNTEER, team=world.supply_team)
    boss = _invite(session, world, InviteRole.COORDINATOR)
    everything = list_invites(
        session=session, actor=world.actor(world.coordinator), community=world.community, now=NOW
    )
    assert {i.code for i in everything} == {gate, supply, boss}
    mine = list_invites(
        session=session, actor=world.actor(world.gate_captain), community=world.community, now=NOW
    )
    assert [(i.code, i.uses_left, i.expires_at) for i in mine] == [(gate, 5, NOW + timedelta(days=3))]
    with pytest.raises(NotAllowed):
        list_invites(
            session=session, actor=world.actor(world.volunteers[0]), community=world.community, now=NOW
        )
    # A captain may not revoke another team's invite nor a coordinator's; nothing changes
    for code in (supply, boss):
        with pytest.raises(NotAllowed):
            revoke_invite(
                session=session, actor=world.actor(world.gate_captain), community=world.community, code=code
            )
    assert len(list_invites(session=session, actor=SYSTEM, community=world.community, now=NOW)) == 3
    revoke_invite(
        session=session,
        actor=world.actor(world.gate_captain),
        community=world.community,
        code=gate.lower(),
        now=NOW,
    )
    with pytest.raises(InviteInvalid, match="used up"):
        redeem_invite(session=session, channel="test", code=gate, external_id="x1", display_name="X", now=NOW)
    with pytest.raises(InviteInvalid, match="already used up or expired"):
        revoke_invite(session=session, actor=SYSTEM, community=world.community, code=gate, now=NOW)
    assert session.scalar(select(Event.id).where(Event.action == "invite_revoked")) is not None


def test_an_invite_above_ones_own_role_is_refused(session: Session, world: World) -> None:
    captain = world.actor(world.gate_captain)
    for role in (InviteRole.CAPTAIN, InviteRole.COORDINATOR):
        with pytest.raises(NotAllowed):
            _invite(session, world, role, actor=captain)
    with pytest.raises(NotAllowed):  # not into another team either
        _invite(session, world, InviteRole.VOLUNTEER, actor=captain, team=world.supply_team)
    with pytest.raises(InvalidInput, match="between 1 and 90 days"):
        _invite(session, world, InviteRole.VOLUNTEER, actor=captain, valid_for=timedelta(days=91))
    assert _invite(session, world, InviteRole.CAPTAIN, actor=world.actor(world.coordinator))


def test_a_captain_edits_a_volunteer_of_their_team_only(session: Session, world: World) -> None:
    volunteer = world.volunteers[0]
    captain = world.actor(world.gate_captain)
    edited = edit_person(
        session=session,
        actor=captain,
        person=volunteer,
        phone="138 0000 1111",
        skills=["Medic", "driver"],
        now=NOW,
    )
    assert edited.changed == ("phone", "skills")
    assert (volunteer.phone, volunteer.skills) == ("+8613800001111", ["driver", "medic"])
    event = session.scalars(select(Event).where(Event.action == "person_edited")).one()
    assert "1111" not in str(event.data)
    for bad in ({"phone": "call me"}, {"language": "fr"}, {"name": " "}, {}):
        with pytest.raises(InvalidInput):
            edit_person(session=session, actor=captain, person=volunteer, **bad)  # type: ignore[arg-type]
    assert volunteer.phone == "+8613800001111"
    for other in (world.supply_volunteers[0], world.supply_captain, world.coordinator):
        with pytest.raises(NotAllowed):
            edit_person(session=session, actor=captain, person=other, language="zh")
    with pytest.raises(NotAllowed):
        edit_person(session=session, actor=world.actor(world.volunteers[1]), person=volunteer, language="zh")
    edit_person(
        session=session, actor=world.actor(world.coordinator), person=world.supply_captain, name="队长刘"
    )
    assert world.supply_captain.name == "队长刘"


def test_deactivating_releases_held_work_and_tells_the_captain(session: Session, world: World) -> None:
    volunteer = world.volunteers[0]
    task = gate_shift(session, world, capacity=1)
    claim(session=session, actor=world.actor(volunteer), task_id=task.id, now=NOW)
    assert task.filled == 1
    with pytest.raises(InvalidInput, match="why"):
        deactivate_person(
            session=session, actor=world.actor(world.gate_captain), person=volunteer, reason=" "
        )
    assert volunteer.active
    done = deactivate_person(
        session=session, actor=world.actor(world.gate_captain), person=volunteer, reason="moved away", now=NOW
    )
    assert not volunteer.active and done.released == [task] and task.filled == 0
    state = session.scalar(select(Assignment.state).where(Assignment.task_id == task.id))
    assert state == AssignmentState.RELEASED
    told = session.scalars(select(Notification).where(Notification.msgid == DEACTIVATED)).all()
    assert [n.person_id for n in told] == [world.gate_captain.id]
    actions = set(session.scalars(select(Event.action).where(Event.subject_id == volunteer.id)))
    assert "person_deactivated" in actions
    assert session.scalar(select(Event.id).where(Event.action == "released", Event.task_id == task.id))
    with pytest.raises(InvalidTransition, match="already deactivated"):
        deactivate_person(session=session, actor=SYSTEM, person=volunteer, reason="again")
    # Someone else can take the slot now
    claim(session=session, actor=world.actor(world.volunteers[1]), task_id=task.id, now=NOW)


def test_only_a_lead_deactivates_and_never_themselves(session: Session, world: World) -> None:
    with pytest.raises(NotAllowed):
        deactivate_person(
            session=session,
            actor=world.actor(world.gate_captain),
            person=world.supply_volunteers[0],
            reason="x",
        )
    with pytest.raises(InvalidInput, match="yourself"):
        deactivate_person(
            session=session, actor=world.actor(world.coordinator), person=world.coordinator, reason="x"
        )
    assert world.supply_volunteers[0].active and world.coordinator.active


def test_a_card_shows_the_phone_only_to_whoever_may_change_the_person(session: Session, world: World) -> None:
    volunteer = world.volunteers[0]
    volunteer.phone = "13800001111"
    card = person_card(
        session=session, actor=world.actor(world.gate_captain), person=volunteer, private=True, now=NOW
    )
    assert card.phone == "13800001111" and [t.name for t, _ in card.teams] == ["Gate duty"]
    other = person_card(
        session=session, actor=world.actor(world.supply_captain), person=volunteer, private=True, now=NOW
    )
    assert other.phone is None
    in_a_group = person_card(
        session=session, actor=world.actor(world.gate_captain), person=volunteer, private=False, now=NOW
    )
    assert in_a_group.phone is None
    with pytest.raises(NotAllowed):
        person_card(session=session, actor=world.actor(world.volunteers[1]), person=volunteer, private=True)
    # Every read of the phone is recorded (who, whose), and only the one that showed it
    reads = session.scalars(select(Event).where(Event.action == "phone_read")).all()
    assert [(e.actor_id, e.subject_id) for e in reads] == [(world.gate_captain.id, volunteer.id)]


def test_deactivating_spends_the_invites_made_for_them(session: Session, world: World) -> None:
    volunteer = world.volunteers[0]
    invite = create_invite(
        session=session,
        actor=SYSTEM,
        community=world.community,
        role=InviteRole.VOLUNTEER,
        team=world.gate_team,
        person=volunteer,
        uses=3,
        now=NOW,
    )
    deactivate_person(session=session, actor=SYSTEM, person=volunteer, reason="left", now=NOW)
    assert session.scalar(select(Invite.uses_left).where(Invite.id == invite.id)) == 0


def test_a_deactivated_captains_work_and_alerts_go_to_the_coordinators(
    session: Session, world: World
) -> None:
    captain = world.gate_captain
    task = gate_shift(session, world, capacity=1)
    claim(session=session, actor=world.actor(captain), task_id=task.id, now=NOW)
    deactivate_person(
        session=session,
        actor=world.actor(world.coordinator),
        person=captain,
        reason="unwell for weeks",
        now=NOW,
    )
    told = session.scalars(select(Notification.person_id).where(Notification.msgid == DEACTIVATED)).all()
    assert told == [world.coordinator.id]
