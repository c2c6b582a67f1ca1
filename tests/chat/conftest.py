"""Fixtures for the chat layer: a scene on the test world, and a session factory whose commits stay
inside the test's transaction (``handle_safely`` runs as an adapter calls it, and is still rolled back)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.chat.scene import Scene, build_scene
from tests.factories import World


@pytest.fixture
def chat_factory(session: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def scene(session: Session, world: World) -> Scene:
    return build_scene(session, world)
