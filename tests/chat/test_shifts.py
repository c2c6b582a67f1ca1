"""Shift discipline in chat beyond the dialog tables (tests/chat/dialogs_shifts.py), through the chat layer,
in English and Chinese, on SQLite and PostgreSQL: where a refusal that tells someone's health goes when it is
asked for in a group."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import handle_safely
from coord.i18n import translate
from tests.chat.dialog import Step
from tests.chat.runner import inbound_for, render
from tests.chat.scene import build_scene
from tests.factories import NOW, World

UNWELL = (
    "You declared yourself unwell today, so you cannot take on work. Please rest; "
    "once you are well again, send “health yes” and claim again."
)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_unwell_claim_in_the_group_is_answered_in_the_direct_chat(
    language: str, session: Session, world: World, chat_factory: sessionmaker[Session]
) -> None:
    # Given a volunteer who has declared themselves not well
    scene = build_scene(session, world)
    world.volunteers[0].language = language
    session.flush()

    def say(text: str, where: str) -> tuple[str, str]:
        step = Step("volunteer", say=text, where=where)
        replies = handle_safely(inbound_for(step, scene, language), session_factory=chat_factory, now=NOW)
        shown = render(replies, step)
        return shown.text(), "\n".join(shown.direct)

    say("health no", "private")
    # When they claim work in the team's group chat
    here, direct = say("/claim {delivery}", "group")
    # Then the group is told only that they were answered privately; the reason goes to their direct chat
    assert translate(UNWELL, language) in direct
    assert "unwell" not in here and "身体不适" not in here and "Volunteer 1" in here
