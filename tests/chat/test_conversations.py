"""Guided conversations keep their state in the database, per person and chat; they stop and expire cleanly;
and what they finally do lands in the database as the one-line command would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import Inbound, Reply, handle_safely, render_text
from coord.chat.conversations import TTL
from coord.models import Assignment, AssignmentState, Conversation, Event, HealthDeclaration, Priority, Task
from tests.chat.scene import GROUP_CHAT, NETWORK, Scene


def say(
    factory: sessionmaker[Session],
    who: str,
    text: str | None = None,
    *,
    press: str | None = None,
    at: datetime,
    group: bool = False,
) -> list[Reply]:
    inbound = Inbound(
        network=NETWORK,
        user_id=f"u-{who}",
        display_name=who,
        chat_id=GROUP_CHAT if group else f"dm-{who}",
        is_private_chat=not group,
        text=text,
        payload=press,
    )
    return handle_safely(inbound, session_factory=factory, now=at)


def text_of(replies: list[Reply]) -> str:
    return "\n".join(render_text(r) for r in replies)


def conversations(session: Session) -> list[Conversation]:
    session.expire_all()
    return list(session.scalars(select(Conversation).order_by(Conversation.id)))


def test_state_is_kept_per_person_and_chat(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    # Given the captain starts creating a task in the team chat and in private
    say(chat_factory, "captain", "new", at=scene.now, group=True)
    say(chat_factory, "captain", "health", at=scene.now)
    # Then two conversations are stored, one per chat, each at its first step
    stored = conversations(session)
    assert [(c.chat_id, c.flow, c.step) for c in stored] == [
        (GROUP_CHAT, "new", "kind"),
        ("dm-captain", "health", "healthy"),
    ]
    assert all(c.expires_at == scene.now + TTL for c in stored)
    # When the captain answers in the group, only the group's conversation moves on
    say(chat_factory, "captain", press="v:patrol", at=scene.now, group=True)
    by_chat = {c.chat_id: c for c in conversations(session)}
    assert by_chat[GROUP_CHAT].step == "title" and by_chat[GROUP_CHAT].data["kind"] == "patrol"
    assert by_chat["dm-captain"].step == "healthy"
    # And a volunteer's chatter in the same group is not taken as the captain's answer
    assert say(chat_factory, "volunteer", "Evening patrol", at=scene.now, group=True) == []
    assert conversations(session)[0].step == "title"


def test_guided_task_creation_stores_the_window_in_utc(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    answers = ["new", "v:gate_shift", "South gate evening", "20:00-23:30", "v:3", "v:yes"]
    for answer in answers:
        if answer.startswith("v:"):
            replies = say(chat_factory, "captain", press=answer, at=scene.now)
        else:
            replies = say(chat_factory, "captain", answer, at=scene.now)
    assert "Task created" in text_of(replies)
    task = session.scalars(select(Task).where(Task.title == "South gate evening")).one()
    # 20:00 in Asia/Shanghai is 12:00 UTC
    assert (task.starts_at, task.ends_at) == (
        datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 15, 30, tzinfo=UTC),
    )
    assert (task.kind, task.capacity, task.priority, task.team_id) == (
        "gate_shift",
        3,
        Priority.URGENT,
        scene.world.gate_team.id,
    )
    assert conversations(session) == []


def test_stop_at_any_step_changes_nothing(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    steps = ["new", "v:delivery", "Rice for Building 2", "18:00", "v:1"]
    for stop_after in range(1, len(steps) + 1):
        tasks = session.scalar(select(func.count(Task.id)))
        for answer in steps[:stop_after]:
            if answer.startswith("v:"):
                say(chat_factory, "captain", press=answer, at=scene.now)
            else:
                say(chat_factory, "captain", answer, at=scene.now)
        word = ["stop", "cancel", "停止", "取消", "算了"][stop_after % 5]
        assert "Nothing was changed" in text_of(say(chat_factory, "captain", word, at=scene.now))
        assert conversations(session) == []
        assert session.scalar(select(func.count(Task.id))) == tasks


def test_an_expired_conversation_is_dropped_with_a_note(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    say(chat_factory, "volunteer", "health", at=scene.now)
    later = scene.now + TTL + timedelta(seconds=1)
    replies = say(chat_factory, "volunteer", "my", at=later)
    assert "timed out" in text_of(replies[:1]) and "You hold no tasks" in text_of(replies[1:])
    assert conversations(session) == []
    assert session.scalar(select(func.count(HealthDeclaration.id))) == 0


def test_guided_done_records_the_figures(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    delivery = int(scene.values["delivery"])
    say(chat_factory, "helper", f"claim {delivery}", at=scene.now)
    say(chat_factory, "helper", f"done {delivery} left with the neighbour", at=scene.now)
    assert "not “many”" in text_of(say(chat_factory, "helper", "many", at=scene.now))
    say(chat_factory, "helper", "1", at=scene.now)
    replies = say(chat_factory, "helper", "14", at=scene.now)
    assert "is done" in text_of(replies)
    done = session.scalars(select(Assignment).where(Assignment.task_id == delivery)).one()
    session.refresh(done)
    assert done.state == AssignmentState.DONE
    assert done.figures == {"households": 1, "items": 14}
    assert done.note == "left with the neighbour"


def test_a_refusal_in_the_middle_of_a_command_leaves_no_trace(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    # Given the gate shift is held by volunteer 1 and volunteer 2 already holds a slot too
    gate = int(scene.values["gate"])
    say(chat_factory, "volunteer", f"claim {gate}", at=scene.now)
    say(chat_factory, "volunteer2", f"claim {gate}", at=scene.now)
    events = session.scalar(select(func.count(Event.id)))
    # When the captain reassigns volunteer 1's slot to volunteer 2 (the service moves the old one, then fails)
    replies = say(
        chat_factory,
        "captain",
        press=f"ra:{gate}:{scene.values['volunteer2']}:{scene.values['volunteer']}",
        at=scene.now,
    )
    # Then the refusal is the reply, and volunteer 1 still holds the slot
    assert "already holds a slot" in text_of(replies)
    session.expire_all()
    states = sorted(
        str(a.state) for a in session.scalars(select(Assignment).where(Assignment.task_id == gate))
    )
    assert states == ["claimed", "claimed"]
    assert session.scalar(select(func.count(Event.id))) == events


@pytest.mark.parametrize("reason", ["", "family matters"])
def test_release_keeps_the_reason(
    reason: str, session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    gate = int(scene.values["gate"])
    say(chat_factory, "volunteer", f"claim {gate}", at=scene.now)
    say(chat_factory, "volunteer", press=f"rl:{gate}", at=scene.now)
    if reason:
        say(chat_factory, "volunteer", reason, at=scene.now)
    else:
        say(chat_factory, "volunteer", press="v:-", at=scene.now)
    released = session.scalars(select(Assignment).where(Assignment.task_id == gate)).one()
    session.refresh(released)
    assert (released.state, released.note) == (AssignmentState.RELEASED, reason)


@pytest.mark.parametrize(
    "typed", ["体温（°C）=36.5", "体温(°C)=36.5", "temperature_(°c)=36.5", "temperature=36.5"]
)
def test_a_figure_is_understood_however_its_name_is_typed(typed: str) -> None:
    from coord.chat.parse import parse
    from coord.chat.reporting import figure_names
    from coord.kinds import get_kind

    # A Chinese keyboard types full-width brackets; the parser folds them (NFKC) before the names are matched
    command = parse(f"done 12 {typed}")
    [key] = command.options
    assert figure_names(get_kind("checkin_call"))[key.lower()] == "temperature"


def test_reassigning_after_a_no_show_fills_the_open_place(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    # Given a two-person gate shift: volunteer 1 is at the post, volunteer 2 never came
    gate = int(scene.values["gate"])
    say(chat_factory, "volunteer", f"claim {gate}", at=scene.now)
    say(chat_factory, "volunteer2", f"claim {gate}", at=scene.now)
    started = scene.now + timedelta(hours=2, minutes=20)
    say(chat_factory, "volunteer", f"checkin {gate}", at=started)
    assert "marked as a no-show" in text_of(
        say(chat_factory, "captain", f"noshow {gate} {scene.values['volunteer2']}", at=started)
    )
    third = scene.world.volunteers[2]
    # When the captain reassigns the shift to volunteer 3 without saying whose place
    replies = say(chat_factory, "captain", f"reassign {gate} {third.id}", at=started)
    # Then nobody is replaced yet: the captain is asked, the open place first
    assert "Fill the open place, or replace someone?" in text_of(replies)
    assert [b.payload for row in replies[0].buttons for b in row] == [
        f"ra:{gate}:{third.id}:0",
        f"ra:{gate}:{third.id}:{scene.values['volunteer']}",
    ]
    # And filling the open place leaves the person at the post where they are
    assert "now goes to Volunteer 3" in text_of(
        say(chat_factory, "captain", press=f"ra:{gate}:{third.id}:0", at=started)
    )
    session.expire_all()
    held = session.execute(
        select(Assignment.person_id, Assignment.state)
        .where(Assignment.task_id == gate)
        .order_by(Assignment.id)
    ).all()
    assert [(p, str(s)) for p, s in held] == [
        (int(scene.values["volunteer"]), "checked_in"),
        (int(scene.values["volunteer2"]), "no_show"),
        (third.id, "claimed"),
    ]
