"""Metrics: a worker process serves coord's (sends by network and outcome, 429s), the database's (outbox
backlog and oldest wait, escalations opened) and Dramatiq's (its Prometheus middleware); the chat layer
times every answer by network; the scheduler says whether it leads."""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import ChatStore, Inbound
from coord.clock import FrozenClock, utcnow
from coord.db import make_engine, make_session_factory
from coord.metrics import REGISTRY
from coord.services.operations.metrics import metrics_registry
from coord.services.outbox.gateways import Limit, MemoryGateway, Outbound, RateLimited
from coord.settings import load_settings
from tests.workers.helpers import until
from tests.workers.test_run import a_message, status_of
from workers.leader import LocalLeaderLock
from workers.metrics import MeteredGateway
from workers.scheduler import Scheduler, run_scheduler


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scrape(port: int) -> dict[str, float]:
    """Every sample of the endpoint, as ``name{label="value",...}`` → value."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_worker_serves_its_sends_the_outbox_and_dramatiqs_metrics(
    tmp_path: Path, redis_url: str, prefix: str
) -> None:
    # Given one message waiting, and a worker and a scheduler with their metrics endpoints
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    note_id = a_message(url)
    worker_port, scheduler_port = free_port(), free_port()
    gateway = MemoryGateway("test")
    stop = threading.Event()
    sent_before = value("coord_notifications_total", network="test", outcome="sent")
    from coord.entrypoints.processes import run_worker

    threads = [
        threading.Thread(
            target=run_worker,
            args=(load_settings(database_url=url, redis_url=redis_url, metrics_port=worker_port), stop),
            kwargs={"gateways": {"test": gateway}, "threads": 2, "namespace": prefix},
        ),
        threading.Thread(
            target=run_scheduler,
            args=(load_settings(database_url=url, redis_url=redis_url, metrics_port=scheduler_port), stop),
            kwargs={"interval": 0.1, "namespace": prefix},
        ),
    ]
    for thread in threads:
        thread.start()
    try:
        # When it is delivered
        until(lambda: gateway.sent, what="the message to be sent")
        until(lambda: str(status_of(url, note_id)) == "sent", what="the message marked sent")
        worker = scrape(worker_port)
        scheduler = scrape(scheduler_port)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    # Then the worker counted the send, the outbox is empty, and Dramatiq's middleware counted its messages
    assert worker['coord_notifications_total{network="test",outcome="sent"}'] == sent_before + 1
    assert worker["coord_outbox_backlog"] == 0 and worker["coord_outbox_oldest_pending_seconds"] == 0
    assert "coord_escalations_opened_total" in worker
    assert any(name.startswith("dramatiq_messages_total{") and "deliver" in name for name in worker)
    # And the scheduler's endpoint says it leads
    assert scheduler["coord_scheduler_leader"] == 1


def test_the_backlog_and_the_oldest_wait_come_from_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    a_message(url)
    engine = make_engine(url)
    try:
        registry = metrics_registry(make_session_factory(engine))
        assert registry.get_sample_value("coord_outbox_backlog") == 1
        assert (registry.get_sample_value("coord_outbox_oldest_pending_seconds") or 0) >= 0
        assert registry.get_sample_value("coord_outbox_dead") == 0
    finally:
        engine.dispose()


class Refusing:
    network = "refusing"

    def limits(self, message: Outbound) -> list[Limit]:
        return []

    def send(self, message: Outbound) -> str:
        raise RateLimited(3)


def test_a_429_is_counted_for_its_network() -> None:
    before = value("coord_rate_limited_total", network="refusing")
    metered = MeteredGateway(Refusing())
    with pytest.raises(RateLimited):
        metered.send(Outbound(network="refusing", chat_id="1", is_group=False, text="hi"))
    assert value("coord_rate_limited_total", network="refusing") == before + 1
    assert value("coord_notifications_total", network="refusing", outcome="rate_limited") >= 1


def test_every_answer_is_timed_by_network(factory: sessionmaker[Session]) -> None:
    before = value("coord_command_seconds_count", network="metrics-test")
    ChatStore(factory).answer(
        Inbound(network="metrics-test", user_id="1", display_name="Someone", chat_id="1", text="help")
    )
    assert value("coord_command_seconds_count", network="metrics-test") == before + 1


def test_the_scheduler_says_whether_it_leads(factory: sessionmaker[Session]) -> None:
    held = LocalLeaderLock("metrics-test")
    assert held.acquire()
    try:
        lock = LocalLeaderLock("metrics-test")
        waiting = Scheduler(factory, clock=FrozenClock(utcnow()), enqueue=lambda d: None, leader=lock)
        waiting.tick()
        assert value("coord_scheduler_leader") == 0
        held.release()
        waiting.tick()
        assert value("coord_scheduler_leader") == 1
        lock.release()
    finally:
        held.release()


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite database with a world and one message waiting."""
    url = f"sqlite:///{tmp_path / 'coord.db'}"
    a_message(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()
