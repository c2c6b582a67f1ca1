"""The coordinator's escalations list: plain words, only what still needs action, newest first, paged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, object_session, sessionmaker

from coord.chat import Inbound, handle_safely, render_buttons, render_text
from coord.errors import NotAllowed
from coord.models import Priority
from coord.services.escalation.outstanding import outstanding
from coord.services.work import claims
from tests.chat.scene import NETWORK, Scene
from tests.factories import NOW, World, delivery, gate_shift
from tests.workers.helpers import settle


def ask(
    scene: Scene,
    factory: sessionmaker[Session],
    text: str = "",
    *,
    press: str | None = None,
    lang: str = "en",
) -> tuple[str, list[str]]:
    """What the coordinator reads back (text and button payloads) after ``text`` or pressing ``press``."""
    scene.cast["coordinator"].language = lang
    object_session(scene.cast["coordinator"]).flush()  # type: ignore[union-attr]
    inbound = Inbound(
        network=NETWORK,
        user_id="u-coordinator",
        display_name="Coordinator",
        chat_id="dm-coordinator",
        text=None if press else text,
        payload=press,
    )
    replies = handle_safely(inbound, session_factory=factory, now=scene.now)
    texts = [render_text(r) for r in replies]
    payloads = [p for r in replies for row in render_buttons(r) for _, p in row]
    return "\n".join(texts), payloads


def test_only_what_still_needs_action_in_plain_words(
    session: Session, world: World, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    # Given an urgent delivery nobody took, escalated to the captain, and a shift whose alert was answered
    ignored = delivery(session, world, title="Medicine for Building 7", priority=Priority.URGENT)
    answered = delivery(session, world, title="Rice for Building 9", priority=Priority.URGENT)
    settle(session, NOW + timedelta(minutes=30))
    claims.claim(
        session=session,
        actor=world.actor(world.supply_volunteers[0]),
        task_id=answered.id,
        now=NOW + timedelta(minutes=31),
    )
    scene.now = NOW + timedelta(minutes=35)
    # When the coordinator asks for the escalations
    text, buttons = ask(scene, chat_factory, "escalations")
    # Then the ignored one is listed with what is wrong and who was told, the answered one is not
    assert "Medicine for Building 7" in text and "Rice for Building 9" not in text
    assert "nobody has taken it yet" in text and "the captain" in text
    assert not re.search(r"\bstep\b", text, re.IGNORECASE) and "10000" not in text
    assert f"r:{ignored.id}" in buttons
    # And in Chinese it reads in Chinese, with no "step" numbers
    chinese, _ = ask(scene, chat_factory, "预警", lang="zh")
    assert "待处理的预警" in chinese and "还没有人认领" in chinese and "已告知队长" in chinese
    assert "step" not in chinese and "10000" not in chinese


def test_newest_first_five_a_page(
    session: Session, world: World, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    # Given seven urgent deliveries made a minute apart, all escalated
    made = []
    for number in range(7):
        made.append(
            delivery(
                session,
                world,
                title=f"Parcel {number}",
                priority=Priority.URGENT,
                now=NOW + timedelta(minutes=number),
            )
        )
        settle(session, NOW + timedelta(minutes=number + 15))
    scene.now = NOW + timedelta(minutes=30)
    # Then the first page shows the five newest alerts, the newest first, and a button to the next page
    first, buttons = ask(scene, chat_factory, "escalations")
    shown = [n for n in range(7) if f"Parcel {n}" in first]
    assert shown == [2, 3, 4, 5, 6]
    assert first.index("Parcel 6") < first.index("Parcel 2")
    assert "e:2" in buttons
    # And the second page (pressed, or typed) shows the rest, with a way back
    second, back = ask(scene, chat_factory, press="e:2")
    assert "Parcel 1" in second and "Parcel 0" in second and "Parcel 6" not in second
    assert "e" in back
    typed, _ = ask(scene, chat_factory, "escalations 2")
    assert typed == second


def test_a_shift_past_its_start_lists_who_is_not_at_the_post(
    session: Session, world: World, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    task = gate_shift(session, world, title="South gate", capacity=2)
    late = world.volunteers[0]
    claims.claim(session=session, actor=world.actor(late), task_id=task.id, now=NOW)
    assert task.starts_at is not None
    settle(session, task.starts_at + timedelta(minutes=25))
    scene.now = task.starts_at + timedelta(minutes=25)
    text, _ = ask(scene, chat_factory, "escalations")
    assert "South gate" in text and f"not at the post: {late.name}" in text
    assert "still needs 2 more" in text
    # A captain may not see the community's escalations
    with pytest.raises(NotAllowed):
        outstanding(session, actor=world.actor(world.gate_captain), community=world.community, now=scene.now)
