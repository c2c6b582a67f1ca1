"""The stage every dialog runs on: the test world, chat accounts, a team group chat, two tasks, invites."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from coord.models import InviteRole, Person
from coord.services.people.invites import create_invite
from coord.services.people.people import link_team_chat
from coord.services.work.tasks import create_task
from tests.factories import NOW, SYSTEM, World, link_chat_accounts, shift_times

NETWORK = "test"
GROUP_CHAT = "group-gate"
NEW_GROUP_CHAT = "group-new"  # a group the bot is in that is no team's chat (yet)


@dataclass
class Scene:
    world: World
    cast: dict[str, Person]
    values: dict[str, str] = field(default_factory=dict)  # fills {gate}, {delivery}, {code}, {v1} … in steps
    now: datetime = NOW


def build_scene(
    session: Session,
    world: World,
    *,
    health_required: bool = False,
    network: str = NETWORK,
    group_chat: str = GROUP_CHAT,
    ids: Callable[[str], tuple[str, str | None]] | None = None,
    setup: Callable[[Session, World, Scene], None] | None = None,
) -> Scene:
    """The stage on ``network``: the gate team's group chat is ``group_chat``; ``ids(part)`` gives each
    person's account id and direct chat (see ``link_chat_accounts``), so adapters can use their own ids."""
    cast = link_chat_accounts(session, world, network, ids=ids)
    link_team_chat(session=session, actor=SYSTEM, team=world.gate_team, network=network, chat_id=group_chat)
    start, end = shift_times(hours_from_now=2, length_hours=4)
    gate = create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="gate_shift",
        title="North gate afternoon",
        team=world.gate_team,
        place=world.north_gate,
        starts_at=start,
        ends_at=end,
        capacity=2,
        now=NOW,
    )
    delivery = create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="delivery",
        title="Rice and vegetables",
        team=world.supply_team,
        household=world.households[0],
        public_details="Contactless: knock, leave it at the door.",
        private_details="Call before you knock",
        due_at=NOW + timedelta(hours=3),
        now=NOW,
    )
    code = create_invite(
        session=session,
        actor=SYSTEM,
        community=world.community,
        role=InviteRole.VOLUNTEER,
        team=world.gate_team,
        now=NOW,
    )
    old = create_invite(
        session=session,
        actor=SYSTEM,
        community=world.community,
        role=InviteRole.VOLUNTEER,
        team=world.gate_team,
        valid_for=timedelta(hours=1),
        now=NOW - timedelta(days=1),
    )
    world.community.requires_health_declaration = health_required
    session.flush()
    values = {
        "gate": str(gate.id),
        "delivery": str(delivery.id),
        "code": code.code,
        "old_code": old.code,
        "gate_team": str(world.gate_team.id),
        **{part: str(person.id) for part, person in cast.items()},
    }
    scene = Scene(world, cast, values)
    if setup is not None:  # what this dialog table needs more (``Dialog.setup``)
        setup(session, world, scene)
    return scene
