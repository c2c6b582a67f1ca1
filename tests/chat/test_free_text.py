"""Free text keeps what was typed (（，。！）); command words, numbers and options are folded for reading."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import Inbound, handle_safely
from coord.chat.parse import parse
from coord.models import Assignment, Event
from tests.chat.scene import NETWORK, Scene


def test_command_words_and_numbers_are_folded_the_rest_is_kept() -> None:
    claim = parse("认领　１２")
    assert (claim.name, claim.args) == ("claim", ("12",))
    explicit = parse("／ｈｅｌｐ")
    assert (explicit.name, explicit.explicit) == ("help", True)
    cannot = parse("cantdo １２ 自行车坏了！（明天能来）")
    assert cannot.args[0] == "12" and cannot.rest == "１２ 自行车坏了！（明天能来）"
    new = parse("new delivery due＝１８：００ 药品（急用），送到３栋！")
    assert new.options == {"due": "18:00"}
    assert new.text_from(1) == "药品（急用），送到３栋！" and new.args[1] == "药品(急用),送到3栋!"
    unknown = parse("大家好！今天辛苦了。")
    assert unknown.name == "unknown" and unknown.raw == "大家好！今天辛苦了。"


def say(scene: Scene, factory: sessionmaker[Session], who: str, text: str) -> None:
    inbound = Inbound(network=NETWORK, user_id=f"u-{who}", display_name=who, chat_id=f"dm-{who}", text=text)
    handle_safely(inbound, session_factory=factory, now=scene.now)


def test_reasons_and_notes_are_stored_as_typed(
    session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    gate, delivery = scene.values["gate"], scene.values["delivery"]
    # A reason given in one line, and one given as the answer to the question
    say(scene, chat_factory, "volunteer", f"claim {gate}")
    say(scene, chat_factory, "volunteer", f"release {gate} 家里有事，抱歉！")
    say(scene, chat_factory, "volunteer2", f"claim {gate}")
    say(scene, chat_factory, "volunteer2", f"cantdo {gate}")
    say(scene, chat_factory, "volunteer2", "自行车坏了（在修）！")
    notes = dict(
        session.execute(
            select(Assignment.person_id, Assignment.note).where(Assignment.task_id == int(gate))
        ).all()
    )
    assert notes[scene.cast["volunteer"].id] == "家里有事，抱歉！"
    assert notes[scene.cast["volunteer2"].id] == "自行车坏了（在修）！"
    # A note to "done", and a captain's reason to cancel
    say(scene, chat_factory, "helper", f"claim {delivery}")
    say(scene, chat_factory, "helper", f"done {delivery} households=１ 已放门口，敲门三下！")
    note = session.scalar(
        select(Assignment.note).where(
            Assignment.task_id == int(delivery), Assignment.person_id == scene.cast["helper"].id
        )
    )
    assert note == "已放门口，敲门三下！"
    say(scene, chat_factory, "captain", f"cancel {gate} 暴雨预警（停岗）！")
    reasons = session.scalars(
        select(Event.data).where(Event.task_id == int(gate), Event.action == "task_cancelled")
    ).all()
    assert [r.get("reason") for r in reasons] == ["暴雨预警（停岗）！"]
