"""Entry points: run_embedded (one process), run_worker and run_scheduler (distributed), shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from coord.clock import utcnow
from coord.db import make_engine, make_session_factory
from coord.entrypoints.processes import run_embedded, run_worker
from coord.migrate import upgrade
from coord.models import Notification, NotificationStatus
from coord.services.outbox.gateways import MemoryGateway
from coord.services.outbox.notifications import notify
from coord.services.people.people import link_account
from coord.settings import load_settings
from tests.conftest import FreshDatabase
from tests.factories import SYSTEM, build_world
from tests.workers.helpers import until
from workers.scheduler import run_scheduler

ROOT = Path(__file__).resolve().parents[2]


def a_message(url: str, *, migrate: bool = True) -> int:
    """A migrated database with a world and one message waiting for a volunteer with a chat account."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    with make_session_factory(engine)() as session, session.begin():
        world = build_world(session)
        person = world.volunteers[0]
        link_account(
            session=session, actor=SYSTEM, person=person, network="test", external_id="1", dm_chat_id="dm-1"
        )
        notify(
            session,
            at=utcnow(),
            dedupe_key="hello",
            community_id=world.community.id,
            person_id=person.id,
            msgid="Hello {name}",
            params={"name": person.name},
        )
        note_id = session.scalars(select(Notification.id)).one()
    engine.dispose()
    return note_id


def status_of(url: str, note_id: int) -> NotificationStatus:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        status = session.get_one(Notification, note_id).status
    engine.dispose()
    return status


def test_embedded_run_delivers_then_stops_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    note_id = a_message(url)
    gateway = MemoryGateway("test")
    stop = threading.Event()
    settings = load_settings(database_url=url, redis_url=None)
    runner = threading.Thread(
        target=run_embedded, args=(settings, stop), kwargs={"gateways": {"test": gateway}, "interval": 0.1}
    )
    runner.start()
    try:
        until(lambda: gateway.sent, what="the message to be sent")
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert [m.text for m in gateway.sent] == ["Hello Volunteer 1"]
    assert status_of(url, note_id) == NotificationStatus.SENT


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_embedded_run_stops_on_a_signal(tmp_path: Path, signum: int) -> None:
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    a_message(url)
    program = (
        "import gc, logging, threading, sys\n"
        "from coord.settings import load_settings\n"
        "from coord.entrypoints.processes import run_embedded, stop_on_signals\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout, format='%(name)s: %(message)s')\n"
        "stop = threading.Event(); stop_on_signals(stop)\n"
        "run_embedded(load_settings(), stop, interval=0.1, freeze_startup=True)\n"
        "print('stopped', 'frozen' if gc.get_freeze_count() else 'not frozen', flush=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COORD_DATABASE_URL": url}
    env.pop("COORD_REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:  # its log, until everything has started and the scheduler loop begins
        if "ticking every" in line:
            break
    else:
        raise AssertionError(f"the embedded run ended before it started (exit code {process.wait()})")
    process.send_signal(signum)
    out, _ = process.communicate(timeout=15)
    assert process.returncode == 0 and "stopped" in out
    assert "stopped frozen" in out  # start-up's objects were taken out of the collector's sight (settle_heap)


def test_distributed_worker_and_scheduler(fresh_db: FreshDatabase, redis_url: str, prefix: str) -> None:
    url = fresh_db.url()
    note_id = a_message(url)
    settings = load_settings(database_url=url, redis_url=redis_url)
    gateway = MemoryGateway("test")
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=run_worker,
            args=(settings, stop),
            kwargs={"gateways": {"test": gateway}, "threads": 2, "namespace": prefix},
        ),
        threading.Thread(
            target=run_scheduler, args=(settings, stop), kwargs={"interval": 0.1, "namespace": prefix}
        ),
    ]
    for thread in threads:
        thread.start()
    try:
        until(lambda: gateway.sent, what="the message to be sent")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    assert not any(t.is_alive() for t in threads)
    assert len(gateway.sent) == 1 and status_of(url, note_id) == NotificationStatus.SENT
