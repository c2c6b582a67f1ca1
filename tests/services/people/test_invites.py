"""Invites: created by the right people, redeemed once per use, refused with a reason otherwise."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.db import make_session_factory
from coord.errors import InviteInvalid, NotAllowed
from coord.models import ChatAccount, Invite, InviteRole, Membership, TeamRole
from coord.services.people.access import is_captain, is_coordinator
from coord.services.people.invites import ALPHABET, create_invite, redeem_invite
from coord.services.people.people import person_by_account
from tests.conftest import FreshDatabase
from tests.factories import NOW, SYSTEM, World, build_world


def test_volunteer_joins_team_through_invite(session: Session, world: World) -> None:
    # Given a captain's invite to the gate team
    invite = create_invite(
        session=session,
        actor=world.actor(world.gate_captain),
        community=world.community,
        role=InviteRole.VOLUNTEER,
        team=world.gate_team,
        now=NOW,
    )
    assert len(invite.code) == 8 and set(invite.code) <= set(ALPHABET)
    # When a stranger redeems it from Telegram (typed in lower case with a dash)
    code = invite.code[:4].lower() + "-" + invite.code[4:].lower()
    joined = redeem_invite(
        session=session,
        channel="telegram",
        code=code,
        external_id="777",
        display_name="小王",
        language="zh",
        now=NOW,
    )
    # Then a new person exists, linked to the account, in the team, speaking Chinese
    assert joined.new_person and joined.person.name == "小王" and joined.person.language == "zh"
    assert person_by_account(session, "telegram", "777") == joined.person
    role = session.scalar(select(Membership.role).where(Membership.person_id == joined.person.id))
    assert role == TeamRole.VOLUNTEER
    assert invite.uses_left == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_at": NOW - timedelta(minutes=1)}, "expired"),
        ({"uses_left": 0}, "used up"),
    ],
)
def test_expired_or_used_invites_are_refused(
    session: Session, world: World, change: dict, message: str
) -> None:
    invite = create_invite(
        session=session,
        actor=SYSTEM,
        community=world.community,
        role=InviteRole.VOLUNTEER,
        team=world.gate_team,
        now=NOW - timedelta(days=1),
    )
    for key, value in change.items():
        setattr(invite, key, value)
    session.flush()
    with pytest.raises(InviteInvalid, match=message):
        redeem_invite(
            session=session, channel="telegram", code=invite.code, external_id="1", display_name="x", now=NOW
        )
    assert session.scalar(select(func.count()).select_from(ChatAccount)) == 0


@pytest.mark.parametrize("code", ["", "nope", "ZZZZZZZZ", "'; drop table invite; --", "码" * 40])
def test_unknown_codes_are_refused(session: Session, world: World, code: str) -> None:
    with pytest.raises(InviteInvalid, match="not known"):
        redeem_invite(
            session=session,
            channel="matrix",
            code=code,
            external_id="@a:localhost",
            display_name="a",
            now=NOW,
        )


def test_who_may_create_which_invite(session: Session, world: World) -> None:
    volunteer = world.actor(world.volunteers[0])
    with pytest.raises(NotAllowed):
        create_invite(
            session=session,
            actor=volunteer,
            community=world.community,
            role=InviteRole.VOLUNTEER,
            team=world.gate_team,
            now=NOW,
        )
    with pytest.raises(NotAllowed):  # a captain cannot make captains or coordinators
        create_invite(
            session=session,
            actor=world.actor(world.gate_captain),
            community=world.community,
            role=InviteRole.CAPTAIN,
            team=world.gate_team,
            now=NOW,
        )
    with pytest.raises(NotAllowed):  # nor invite into another team
        create_invite(
            session=session,
            actor=world.actor(world.gate_captain),
            community=world.community,
            role=InviteRole.VOLUNTEER,
            team=world.supply_team,
            now=NOW,
        )
    invite = create_invite(
        session=session,
        actor=world.actor(world.coordinator),
        community=world.community,
        role=InviteRole.COORDINATOR,
        now=NOW,
    )
    joined = redeem_invite(
        session=session, channel="telegram", code=invite.code, external_id="9", display_name="Office", now=NOW
    )
    assert is_coordinator(session, joined.person, world.community.id)


def test_volunteer_invite_does_not_demote_a_captain(session: Session, world: World) -> None:
    captain_invite = create_invite(
        session=session,
        actor=SYSTEM,
        community=world.community,
        role=InviteRole.CAPTAIN,
        team=world.gate_team,
        now=NOW,
    )
    joined = redeem_invite(
        session=session,
        channel="telegram",
        code=captain_invite.code,
        external_id="5",
        display_name="Cap",
        now=NOW,
    )
    volunteer_invite = create_invite(
        session=session,
        actor=SYSTEM,
        community=world.community,
        role=InviteRole.VOLUNTEER,
        team=world.gate_team,
        now=NOW,
    )
    again = redeem_invite(
        session=session,
        channel="telegram",
        code=volunteer_invite.code,
        external_id="5",
        display_name="Cap",
        now=NOW,
    )
    assert again.person.id == joined.person.id and not again.new_person
    assert is_captain(session, joined.person, world.gate_team.id)


def test_last_use_cannot_be_spent_twice(fresh_db: FreshDatabase) -> None:
    # Given an invite with one use left, and eight people redeeming it at the same moment
    factory = make_session_factory(fresh_db.engine())
    with factory() as session, session.begin():
        world = build_world(session)
        code = create_invite(
            session=session,
            actor=SYSTEM,
            community=world.community,
            role=InviteRole.VOLUNTEER,
            team=world.gate_team,
            uses=1,
            now=NOW,
        ).code
    results: list[str] = []
    barrier = threading.Barrier(8)

    def redeem(n: int) -> None:
        barrier.wait()
        try:
            with factory() as session, session.begin():
                redeem_invite(
                    session=session,
                    channel="telegram",
                    code=code,
                    external_id=f"u{n}",
                    display_name=f"u{n}",
                    now=NOW,
                )
            results.append("joined")
        except InviteInvalid:
            results.append("refused")

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # Then exactly one joined
    assert sorted(results) == ["joined"] + ["refused"] * 7
    with factory() as session:
        assert session.scalar(select(Invite.uses_left)) == 0
        assert session.scalar(select(func.count()).select_from(ChatAccount)) == 1
