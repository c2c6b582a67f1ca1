"""The event log is append-only; the outbox deduplicates; the schema from migrations matches the models,
and every migration can be undone."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.migrate import alembic_config, current_revisions, head_revisions, upgrade
from coord.models import Base, Event, Notification
from coord.services.outbox.notifications import notify
from tests.conftest import FreshDatabase
from tests.factories import World


def test_events_cannot_be_changed(session: Session, world: World) -> None:
    event = session.scalars(select(Event).order_by(Event.id)).first()
    assert event is not None
    event.action = "forged"
    with pytest.raises(PermissionError, match="append-only"):
        session.flush()


def test_events_cannot_be_deleted(session: Session, world: World) -> None:
    event = session.scalars(select(Event).order_by(Event.id)).first()
    assert event is not None
    session.delete(event)
    with pytest.raises(PermissionError, match="append-only"):
        session.flush()


def test_same_notification_twice_is_one_row(session: Session, world: World) -> None:
    first = notify(
        session,
        at=utcnow(),
        dedupe_key="reminder:1:60",
        community_id=world.community.id,
        person_id=world.volunteers[0].id,
        msgid="Your shift starts in an hour.",
    )
    second = notify(
        session,
        at=utcnow(),
        dedupe_key="reminder:1:60",
        community_id=world.community.id,
        person_id=world.volunteers[0].id,
        msgid="Your shift starts in an hour.",
    )
    assert (first, second) == (True, False)
    count = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.dedupe_key == "reminder:1:60")
    )
    assert count == 1


def test_private_notifications_never_go_to_a_team(session: Session, world: World) -> None:
    with pytest.raises(ValueError, match="never to a team"):
        notify(
            session,
            at=utcnow(),
            dedupe_key="x",
            community_id=world.community.id,
            team_id=world.gate_team.id,
            msgid="secret",
            private=True,
        )


def test_migrations_match_the_models(engine: Engine) -> None:
    assert current_revisions(engine) == head_revisions()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_every_migration_goes_down_and_up_again(fresh_db: FreshDatabase) -> None:
    engine = fresh_db.engine()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current_revisions(engine) == set()
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        if engine.dialect.name == "postgresql":  # the claim functions of migrations 0005 and 0006 too
            functions = connection.execute(
                text(
                    "SELECT proname FROM pg_proc WHERE proname LIKE 'coord%%' AND pg_function_is_visible(oid)"
                )
            ).scalars()
            assert list(functions) == []
    upgrade(engine)
    assert current_revisions(engine) == head_revisions()
