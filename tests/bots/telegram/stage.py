"""A committed stage for tests that need real transactions (concurrent presses, workers, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from coord.db import make_session_factory
from tests.bots.telegram.dialogs import telegram_scene
from tests.chat.dialogs import Dialog
from tests.chat.scene import Scene
from tests.conftest import FreshDatabase
from tests.factories import build_world


@dataclass
class Stage:
    engine: Engine
    factory: sessionmaker[Session]
    scene: Scene


def committed_stage(fresh: FreshDatabase) -> Stage:
    """A migrated database holding the dialog scene on Telegram, committed."""
    engine = fresh.engine()
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        scene = telegram_scene(session, build_world(session), Dialog("stage", ()))
    return Stage(engine, factory, scene)
