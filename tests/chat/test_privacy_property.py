"""A property over every dialog table and every notification kind (issue 19): whatever people say, in whatever
order, no message to a group chat, and no message to anyone but a household's holder, a captain and the
community's coordinators, carries a seeded household's phone, address or contact's name (with them goes its
colour: a colour alone names nobody).

Hypothesis draws sequences of steps from all the dialog tables (any person, any chat, either language) and
plays them through the chat layer; after each step every reply is checked by where it goes, and so is every
notification the outbox holds (a team's group chat, or a person's direct chat).
"""

from __future__ import annotations

import string
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import handle_safely, render_buttons, render_text
from coord.models import (
    Area,
    Assignment,
    ChatAccount,
    CommunityRole,
    DutyKind,
    Household,
    Membership,
    Notification,
    Resident,
    Task,
    TeamRole,
)
from coord.services.escalation.climb import climb
from coord.services.schedule.duties import run_duty
from coord.services.schedule.tick import collect_due
from coord.services.watch import run_watch
from tests.chat.dialogs import DIALOGS, Step
from tests.chat.runner import inbound_for
from tests.chat.scene import NETWORK, Scene, build_scene
from tests.factories import World

STEPS: list[Step] = list(dict.fromkeys(step for dialog in DIALOGS for step in dialog.steps))


def secrets_of(household: Household) -> tuple[str, ...]:
    """What names a household: its phone's digits (as stored, and without a country code), its address and
    its contact's name (with which a colour would name it as surely as with the address)."""
    digits = "".join(c for c in household.phone if c.isdigit())
    named = (household.phone, digits[-11:], household.address, household.contact_name or "")
    return tuple(s for s in named if len(s) >= 5)


def allowed_readers(session: Session, household: Household) -> set[int]:
    """Who may read the household's details: whoever holds or held its work, whoever is named to follow it
    up, the captains and the community's coordinators."""
    holders = session.scalars(
        select(Assignment.person_id)
        .join(Task, Task.id == Assignment.task_id)
        .where(Task.household_id == household.id)
    )
    captains = session.scalars(select(Membership.person_id).where(Membership.role == TeamRole.CAPTAIN))
    coordinators = session.scalars(
        select(CommunityRole.person_id).where(
            CommunityRole.community_id == household.community_id, CommunityRole.role == "coordinator"
        )
    )
    named = {household.watch_lead_id, household.watch_medic_id} - {None}
    # the grid's 一长三员 (its medic follows a blue household up when none is named), and the residents who
    # joined as the household itself
    grid = session.get(Area, household.building.area_id) if household.building.area_id else None
    roles = {grid.leader_id, grid.registrar_id, grid.medic_id, grid.buyer_id} - {None} if grid else set()
    residents = session.scalars(select(Resident.person_id).where(Resident.household_id == household.id))
    return {*holders, *captains, *coordinators, *named, *roles, *residents}


def person_of(session: Session, user_id: str) -> int | None:
    return session.scalar(
        select(ChatAccount.person_id).where(
            ChatAccount.network == NETWORK, ChatAccount.external_id == user_id
        )
    )


def playable(step: Step, scene: Scene) -> bool:
    text = step.press or step.say
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return names <= set(scene.values)


def check_message(session: Session, text: str, *, to_group: bool, reader: int | None, where: str) -> None:
    for household in session.scalars(select(Household)):
        found = [s for s in secrets_of(household) if s in text]
        if not found:
            continue
        assert not to_group, f"{where}: {found} said in a group: {text!r}"
        assert reader is not None and reader in allowed_readers(session, household), (
            f"{where}: {found} sent to person {reader}, who may not read it: {text!r}"
        )


def check_outbox(session: Session, where: str) -> None:
    for note in session.scalars(select(Notification)):
        text = f"{note.params} {note.buttons}"
        check_message(session, text, to_group=note.team_id is not None, reader=note.person_id, where=where)


def time_passes(session: Session, now: datetime) -> None:
    """One scheduler tick at ``now``, and what it dispatched run as the actors would (sending aside)."""
    for dispatch in collect_due(session, now=now):
        if dispatch.actor == "escalate":
            climb(session=session, task_id=dispatch.args[0], token=dispatch.args[1], now=now)
        elif dispatch.actor == "watch":
            run_watch(session=session, household_id=dispatch.args[0], token=dispatch.args[1], now=now)
        elif dispatch.actor in {kind.value for kind in DutyKind}:
            run_duty(session=session, duty_id=dispatch.args[0], now=now)
    session.flush()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # A step of a dialog table, or (a negative number) that many hours passing, the scheduler's work done.
    picks=st.lists(st.integers(min_value=-6, max_value=len(STEPS) - 1), min_size=1, max_size=12),
    language=st.sampled_from(["en", "zh"]),
)
def test_no_household_detail_reaches_a_group_or_a_stranger_to_it(
    picks: list[int], language: str, session: Session, world: World, chat_factory: sessionmaker[Session]
) -> None:
    savepoint = session.begin_nested()
    try:
        scene = build_scene(session, world)
        now = scene.now
        for number, index in enumerate(picks, 1):
            if index < 0:
                now += timedelta(hours=-index)
                time_passes(session, now)
                check_outbox(session, f"step {number}: {-index} hours later")
                continue
            step = STEPS[index]
            if not playable(step, scene):
                continue
            now += timedelta(minutes=step.after)
            inbound = inbound_for(step, scene, language)
            replies = handle_safely(inbound, session_factory=chat_factory, now=now)
            session.expire_all()  # see what the step committed
            where = f"step {number} {step.who} {step.where} {step.say or step.press!r}"
            speaker = person_of(session, inbound.user_id)
            for reply in replies:
                text = (
                    render_text(reply)
                    + " "
                    + " ".join(label for row in render_buttons(reply) for label, _ in row)
                )
                in_group = not inbound.is_private_chat and reply.target != "direct"
                check_message(session, text, to_group=in_group, reader=speaker, where=where)
            check_outbox(session, where)
    finally:
        savepoint.rollback()
