"""Every dialog table, for every role, in English and in Chinese, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.chat.dialogs import DIALOGS, Dialog
from tests.chat.runner import run_dialog
from tests.chat.scene import build_scene
from tests.factories import World


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("dialog", DIALOGS, ids=[d.name.split(":")[0][:40] for d in DIALOGS])
def test_dialog(
    dialog: Dialog, language: str, session: Session, world: World, chat_factory: sessionmaker[Session]
) -> None:
    scene = build_scene(session, world, health_required=dialog.health_required, setup=dialog.setup)
    transcripts = run_dialog(dialog, language, scene=scene, session=session, factory=chat_factory)
    assert len(transcripts) == len(dialog.steps)
