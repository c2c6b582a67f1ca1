"""What every actor needs, built once per process by an entry point and handed to ``declare_actors``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import Clock, SystemClock
from coord.db import engine_from_settings, make_session_factory
from coord.services.outbox.delivery import DeliveryOptions, RateLimiter
from coord.services.outbox.gateways import ConsoleGateway, Gateway
from coord.services.schedule.tick import TickOptions
from coord.settings import Settings
from workers.ratelimit import LocalRateLimiter, RedisRateLimiter


@dataclass
class Runtime:
    factory: sessionmaker[Session]
    clock: Clock
    gateways: Mapping[str, Gateway]
    limiter: RateLimiter
    delivery: DeliveryOptions = field(default_factory=DeliveryOptions)
    tick: TickOptions = field(default_factory=TickOptions)


def build_runtime(
    settings: Settings,
    *,
    gateways: Mapping[str, Gateway] | None = None,
    clock: Clock | None = None,
    engine: Engine | None = None,
    limiter: RateLimiter | None = None,
    namespace: str = "coord",
) -> Runtime:
    """The runtime for ``settings``; without gateways, messages go to the console (the embedded default)."""
    if limiter is None:
        if settings.redis_url:
            import redis

            limiter = RedisRateLimiter(redis.Redis.from_url(settings.redis_url), prefix=f"{namespace}:rate:")
        else:
            limiter = LocalRateLimiter()
    return Runtime(
        factory=make_session_factory(engine or engine_from_settings(settings)),
        clock=clock or SystemClock(),
        gateways=dict(gateways) if gateways else {"console": ConsoleGateway()},
        limiter=limiter,
        tick=TickOptions(retention_days=settings.retention_days),
    )
