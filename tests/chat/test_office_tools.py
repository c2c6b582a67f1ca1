"""Office tools in chat that need a larger scene than the shared dialog tables (issue 15 §7)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coord import payloads
from coord.models import TeamRole
from coord.services.people.people import add_member, add_person
from tests.chat.dialogs_office_tools import REASSIGN_PAGES
from tests.chat.runner import run_dialog
from tests.chat.scene import build_scene
from tests.factories import SYSTEM, World


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_reassign_picker_pages_through_the_whole_team(
    language: str, session: Session, world: World, chat_factory: sessionmaker[Session]
) -> None:
    for n in range(1, 11):
        person = add_person(session=session, actor=SYSTEM, community=world.community, name=f"Extra {n:02}")
        add_member(
            session=session, actor=SYSTEM, team=world.gate_team, person=person, role=TeamRole.VOLUNTEER
        )
    scene = build_scene(session, world)
    transcripts = run_dialog(REASSIGN_PAGES, language, scene=scene, session=session, factory=chat_factory)
    assert len(transcripts) == len(REASSIGN_PAGES.steps)


def test_a_page_of_the_reassign_picker_is_a_payload_of_its_own() -> None:
    assert payloads.reassign_page(12, 0, 2) == "rp:12:0:2"
    assert payloads.decode("rp:12:0:2") == ("reassign", ("12",), {"from": "0", "page": "2"})
    assert payloads.decode("rp:12:0") is None
    assert payloads.decode("rp:12:x:2") is None
