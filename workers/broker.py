"""The Dramatiq broker: Redis in the distributed mode, a StubBroker served by in-process threads otherwise."""

from __future__ import annotations

from dramatiq import Broker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from coord.errors import SettingsError
from coord.settings import Settings

NAMESPACE = "coord"


def make_broker(settings: Settings, *, namespace: str = NAMESPACE, embedded: bool | None = None) -> Broker:
    """A RedisBroker on ``COORD_REDIS_URL``, or a StubBroker when there is none or ``embedded`` is set."""
    if embedded is None:
        embedded = settings.redis_url is None
    if embedded:
        return StubBroker()
    return redis_broker(require_redis(settings), namespace=namespace)


def redis_broker(url: str, *, namespace: str = NAMESPACE, heartbeat_timeout: int = 60_000) -> RedisBroker:
    # A worker that dies leaves its messages unacked; another takes them back after the heartbeat timeout.
    return RedisBroker(url=url, namespace=namespace, heartbeat_timeout=heartbeat_timeout)


def require_redis(settings: Settings) -> str:
    if not settings.redis_url:
        raise SettingsError(
            "COORD_REDIS_URL: the distributed mode needs Redis, e.g. redis://127.0.0.1:6379/0"
        )
    return settings.redis_url
