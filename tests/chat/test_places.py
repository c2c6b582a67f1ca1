"""Work created without a place asks where it is; pressing a place (or ``place 12 NAME``) says where."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord import payloads
from coord.chat import Inbound, handle_safely, render_buttons, render_text
from coord.chat.parse import parse_payload
from coord.models import Event, Task
from tests.chat.scene import NETWORK, Scene


def send(
    scene: Scene, factory: sessionmaker[Session], who: str, text: str | None = None, press: str | None = None
) -> tuple[str, list[str]]:
    inbound = Inbound(
        network=NETWORK, user_id=f"u-{who}", display_name=who, chat_id=f"dm-{who}", text=text, payload=press
    )
    replies = handle_safely(inbound, session_factory=factory, now=scene.now)
    return "\n".join(render_text(r) for r in replies), [
        p for r in replies for row in render_buttons(r) for _, p in row
    ]


def test_a_place_button_says_where_new_work_is(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    # Given a captain's shift made in one line without a place
    text, buttons = send(scene, chat_factory, "captain", "new gate at=18:00 for=2h Evening round")
    task = session.scalars(select(Task).where(Task.title == "Evening round")).one()
    assert task.place_id is None and f"Where is task #{task.id}" in text
    # The gates come first among the places offered
    gate = f"pl:{task.id}:{scene.world.north_gate.id}"
    offered = [p for p in buttons if p.startswith("pl:")]
    assert offered and offered[0] == gate
    assert parse_payload(gate).name == "place" and payloads.place(task.id, 5) == f"pl:{task.id}:5"
    # When the captain presses it, the task is at the north gate, and it is recorded who said so
    text, _ = send(scene, chat_factory, "captain", press=gate)
    session.refresh(task)
    assert task.place_id == scene.world.north_gate.id and "is at North Gate now" in text
    assert session.scalar(select(Event.actor_id).where(Event.action == "task_place_set")) == (
        scene.cast["captain"].id
    )
    # A volunteer cannot move it
    text, _ = send(scene, chat_factory, "volunteer", f"place {task.id} North Gate")
    assert "Only the team's captain or a coordinator" in text
