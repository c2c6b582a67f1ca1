"""The one-place-at-a-time dialog (tests/chat/dialogs_shifts.py) through the chat layer, on a scene with a
second, overlapping shift, in English and Chinese, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.chat.dialogs_shifts import ONE_PLACE_AT_A_TIME, with_overlapping_shift
from tests.chat.runner import run_dialog
from tests.chat.scene import build_scene
from tests.factories import World


@pytest.mark.parametrize("language", ["en", "zh"])
def test_one_place_at_a_time(
    language: str, session: Session, world: World, chat_factory: sessionmaker[Session]
) -> None:
    scene = with_overlapping_shift(session, world, build_scene(session, world))
    transcripts = run_dialog(
        ONE_PLACE_AT_A_TIME, language, scene=scene, session=session, factory=chat_factory
    )
    assert len(transcripts) == len(ONE_PLACE_AT_A_TIME.steps)
