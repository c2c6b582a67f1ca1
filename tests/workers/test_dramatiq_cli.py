"""``dramatiq workers.app``, the standard Dramatiq entry point, delivers as ``coord worker`` does: through the
configured chat networks' gateways. The real ``dramatiq`` command line on Redis (a database number of this
test's own), the scheduler in a thread, and the fake Telegram Bot API server as the network."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from coord.clock import utcnow
from coord.db import make_engine, make_session_factory
from coord.migrate import upgrade
from coord.models import Notification, NotificationStatus
from coord.services.outbox.notifications import notify
from coord.services.people.people import link_account
from coord.settings import load_settings
from peers.telegram_api import TOKEN, FakeTelegram
from tests.factories import SYSTEM, build_world
from tests.workers.helpers import until
from workers.scheduler import run_scheduler

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 11  # this test's own: the dramatiq command line uses coord's namespace, as in production
CHAT_ID = 4242


@pytest.fixture
def own_redis(redis_url: str) -> Iterator[str]:
    base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
    url = f"{base}/{REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def a_message_on_telegram(url: str) -> int:
    """A migrated database with one message waiting for a volunteer whose Telegram chat is ``CHAT_ID``."""
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as session, session.begin():
        world = build_world(session)
        person = world.volunteers[0]
        link_account(
            session=session,
            actor=SYSTEM,
            person=person,
            network="telegram",
            external_id=str(CHAT_ID),
            dm_chat_id=str(CHAT_ID),
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


def test_the_dramatiq_command_line_delivers_through_telegram(tmp_path: Path, own_redis: str) -> None:
    # Given a message waiting for a Telegram user, and the bot's settings pointing at the fake server
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    note_id = a_message_on_telegram(url)
    server = FakeTelegram().start()
    server.opened.add(CHAT_ID)
    prom_port = free_port()
    env = {
        **os.environ,
        "COORD_DATABASE_URL": url,
        "COORD_REDIS_URL": own_redis,
        "COORD_TELEGRAM_TOKEN": TOKEN,
        "COORD_TELEGRAM_BASE_URL": server.base_url,
        "COORD_TELEGRAM_BASE_FILE_URL": server.base_file_url,
        "dramatiq_worker_timeout": "100",
        # Dramatiq's Prometheus middleware (workers.app adds it) serves here
        "dramatiq_prom_host": "127.0.0.1",
        "dramatiq_prom_port": str(prom_port),
        "dramatiq_prom_db": str(tmp_path / "prometheus"),
    }
    dramatiq_cli = Path(sys.executable).with_name("dramatiq")
    worker = subprocess.Popen(
        [str(dramatiq_cli), "workers.app", "--processes", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stop = threading.Event()
    settings = load_settings(database_url=url, redis_url=own_redis)
    scheduler = threading.Thread(target=run_scheduler, args=(settings, stop), kwargs={"interval": 0.1})
    scheduler.start()
    try:
        # When the scheduler hands the message to the dramatiq worker
        sent = server.wait_for(lambda: [c for c in server.sent() if c.chat_id == CHAT_ID], timeout=60)
        # Then it reached Telegram (not the console log), and is marked sent
        assert "Hello" in sent[0].text
        until(lambda: status_of(url, note_id) == NotificationStatus.SENT, what="the message marked sent")
        # And Dramatiq's Prometheus middleware serves its count of the delivery and coord's of the send
        until(lambda: 'actor_name="deliver"' in dramatiq_metrics(prom_port), what="Dramatiq's metrics")
        assert 'network="telegram",outcome="sent"' in dramatiq_metrics(prom_port)
    finally:
        stop.set()
        scheduler.join(timeout=15)
        worker.send_signal(signal.SIGTERM)
        try:
            out, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate()
        server.stop()
    assert worker.returncode == 0, out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dramatiq_metrics(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text: str = answer.read().decode()
    except OSError:
        return ""
    wanted = ("dramatiq_messages_total", "coord_notifications_total")
    return "\n".join(line for line in text.splitlines() if line.startswith(wanted))


def status_of(url: str, note_id: int) -> NotificationStatus:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        status = session.get_one(Notification, note_id).status
    engine.dispose()
    return status
