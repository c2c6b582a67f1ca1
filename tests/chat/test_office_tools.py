"""Office tools in chat (issue 15 §7) beside their dialog tables (tests/chat/dialogs_office_tools.py, run by
tests/chat/test_dialogs.py and through Telegram and Matrix; the reassign picker's on a larger team)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coord import payloads
from tests.chat.dialog import Dialog, Step
from tests.chat.dialogs_office_tools import ten_more_at_the_gate
from tests.chat.runner import run_dialog
from tests.chat.scene import build_scene
from tests.factories import World


def test_a_page_of_the_reassign_picker_is_a_payload_of_its_own() -> None:
    assert payloads.reassign_page(12, 0, 2) == "rp:12:0:2"
    assert payloads.decode("rp:12:0:2") == ("reassign", ("12",), {"from": "0", "page": "2"})
    assert payloads.decode("rp:12:0") is None
    assert payloads.decode("rp:12:x:2") is None


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_page_past_the_end_of_the_picker_shows_the_first(
    language: str, session: Session, world: World, chat_factory: sessionmaker[Session]
) -> None:
    # (a button no reply offered: Matrix types only what was shown, so this one runs on the chat layer)
    past_the_end = Dialog(
        "a reassign page past the end",
        (
            Step("captain", say="reassign {gate}", en=("More ▶",), zh=("下一页 ▶",)),
            Step(
                "captain", press="rp:{gate}:0:99", en=("Extra 01",), zh=("Extra 01",), never=("Volunteer 1",)
            ),
        ),
        setup=ten_more_at_the_gate,
    )
    scene = build_scene(session, world, setup=past_the_end.setup)
    transcripts = run_dialog(past_the_end, language, scene=scene, session=session, factory=chat_factory)
    assert len(transcripts) == 2
