"""Every command that changes work is safe to repeat: a message whose answer was lost, sent again (or a
Telegram update delivered again after a crash), changes nothing more and gets a clear answer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import Inbound, handle_safely, render_text
from coord.models import Assignment, Event
from tests.chat.scene import NETWORK, Scene


def say(factory: sessionmaker[Session], scene: Scene, who: str, text: str, minutes: int = 0) -> list[str]:
    inbound = Inbound(
        network=NETWORK,
        user_id=f"u-{who}",
        display_name=who,
        chat_id=f"dm-{who}",
        is_private_chat=True,
        text=text.format(**scene.values),
    )
    replies = handle_safely(inbound, session_factory=factory, now=scene.now + timedelta(minutes=minutes))
    return [render_text(r) for r in replies]


def events(session: Session, action: str) -> int:
    return int(session.scalar(select(func.count(Event.id)).where(Event.action == action)) or 0)


def test_a_repeated_claim_says_so_and_sends_the_details_again(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    first = say(chat_factory, scene, "helper", "claim {delivery}")
    again = say(chat_factory, scene, "helper", "claim {delivery}", minutes=1)
    assert first[0].startswith("You have task #") and again[0].startswith("You already have task #")
    assert first[1] == again[1] and "Wang Lan" in again[1]
    assert events(session, "claimed") == 1
    assert session.scalar(select(func.count(Assignment.id))) == 1


def test_check_in_release_and_cant_do_said_twice_change_things_once(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    say(chat_factory, scene, "volunteer", "claim {gate}")
    checked = [say(chat_factory, scene, "volunteer", "checkin {gate}", minutes=m) for m in (120, 121)]
    assert checked[0][0].startswith("Checked in at task #")
    assert checked[1] == [
        f"You are already checked in for task #{scene.values['gate']}; report it done when finished, "
        "or say “can't complete” with a reason."
    ]
    say(chat_factory, scene, "helper", "claim {delivery}")
    released = [say(chat_factory, scene, "helper", "release {delivery} busy", minutes=m) for m in (5, 6)]
    assert released[0][0].startswith("You have given back task #")
    gone = f"You have already given back task #{scene.values['delivery']}; nothing more to do."
    assert released[1] == [gone]
    assert say(chat_factory, scene, "helper", "cantdo {delivery} ill", minutes=7) == [gone]
    assert say(chat_factory, scene, "helper", "release {delivery}", minutes=8) == [gone]
    assert (events(session, "checked_in"), events(session, "released")) == (1, 1)
    assert events(session, "cannot_complete") == 0


def test_cant_do_said_twice_tells_the_captain_once(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    say(chat_factory, scene, "helper", "claim {delivery}")
    told = [say(chat_factory, scene, "helper", "cantdo {delivery} ill", minutes=m) for m in (5, 6)]
    assert told[0][0].startswith("Your captain has been told")
    assert told[1] == [f"You have already given back task #{scene.values['delivery']}; nothing more to do."]
    assert events(session, "cannot_complete") == 1


def test_done_said_again_after_the_figures_says_it_is_done(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    say(chat_factory, scene, "volunteer", "claim {gate}")
    say(chat_factory, scene, "volunteer", "checkin {gate}", minutes=120)
    for answer in ["done {gate}", "12", "0", "none", "skip"]:
        last = say(chat_factory, scene, "volunteer", answer, minutes=300)
    assert last[0].startswith(f"Task #{scene.values['gate']} is done. Thank you! Recorded:")
    again = say(chat_factory, scene, "volunteer", "done {gate}", minutes=301)
    assert again == [f"Task #{scene.values['gate']} is already done. Thank you!"]
    assert events(session, "completed") == 1
