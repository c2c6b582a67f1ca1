"""The actors: thin. Ids and tokens in, a session opened, one core service called.

Each is idempotent (Dramatiq delivers at least once): ``deliver``, ``escalate`` and ``watch`` carry the token
they were dispatched with and do nothing once it has moved on; duty rows are done once under a row lock.
Retries here are a convenience: the scheduler tick finds anything left undone once its lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq import Broker

from coord.db import transaction
from coord.services.escalation.climb import climb
from coord.services.outbox.delivery import deliver_notification
from coord.services.requests.runs import run_cutoff
from coord.services.schedule.duties import run_duty
from coord.services.schedule.tick import Dispatch
from coord.services.watch.schedule import run_watch
from workers.runtime import Runtime

RETRIES: dict[str, Any] = {"max_retries": 3, "min_backoff": 1_000, "max_backoff": 30_000}


@dataclass(frozen=True)
class Actors:
    deliver: dramatiq.Actor[..., None]
    escalate: dramatiq.Actor[..., None]
    daily_summary: dramatiq.Actor[..., None]
    materialise: dramatiq.Actor[..., None]
    shift_end: dramatiq.Actor[..., None]
    privacy_purge: dramatiq.Actor[..., None]
    watch: dramatiq.Actor[..., None]
    group_buy_cutoff: dramatiq.Actor[..., None]

    def enqueue(self, dispatch: Dispatch) -> None:
        """Send the message the scheduler tick asked for."""
        actor: dramatiq.Actor[..., None] = getattr(self, dispatch.actor)
        actor.send(*dispatch.args)


def declare_actors(broker: Broker, runtime: Runtime) -> Actors:
    """Declare the actors on ``broker``, bound to ``runtime`` (no broker or settings at import time)."""

    def deliver(notification_id: int, attempt: int) -> None:
        deliver_notification(
            runtime.factory,
            notification_id=notification_id,
            attempt=attempt,
            gateways=runtime.gateways,
            limiter=runtime.limiter,
            clock=runtime.clock,
            options=runtime.delivery,
        )

    def escalate(task_id: int, token: int) -> None:
        with transaction(runtime.factory) as session:
            climb(session=session, task_id=task_id, token=token, now=runtime.clock.now())

    def watch(household_id: int, token: int) -> None:
        with transaction(runtime.factory) as session:
            run_watch(session=session, household_id=household_id, token=token, now=runtime.clock.now())

    def duty(duty_id: int) -> None:
        with transaction(runtime.factory) as session:
            run_duty(session=session, duty_id=duty_id, now=runtime.clock.now())

    def group_buy_cutoff(cutoff_id: int) -> None:
        with transaction(runtime.factory) as session:
            run_cutoff(session=session, cutoff_id=cutoff_id, now=runtime.clock.now())

    def declare(fn: Any, name: str, queue: str) -> dramatiq.Actor[..., None]:
        decorator = dramatiq.actor(broker=broker, actor_name=name, queue_name=queue, **RETRIES)
        return decorator(fn)

    return Actors(
        deliver=declare(deliver, "deliver", "delivery"),
        escalate=declare(escalate, "escalate", "duties"),
        daily_summary=declare(duty, "daily_summary", "duties"),
        materialise=declare(duty, "materialise", "duties"),
        shift_end=declare(duty, "shift_end", "duties"),
        privacy_purge=declare(duty, "privacy_purge", "duties"),
        watch=declare(watch, "watch", "duties"),
        group_buy_cutoff=declare(group_buy_cutoff, "group_buy_cutoff", "duties"),
    )
