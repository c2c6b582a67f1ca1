"""Driving the ladder the way the scheduler tick and the actors do, in one session; waiting for a condition.

The work itself is built with ``tests.factories`` (``gate_shift``, ``delivery``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.models import Notification, Task
from coord.services.escalation.climb import Outcome, climb
from coord.services.people.people import link_team_chat
from coord.services.schedule.tick import Dispatch, collect_due
from tests.factories import NOW, SYSTEM, World

WAIT = 30.0


def until(condition: Callable[[], object], *, what: str, every: float = 0.05, timeout: float = WAIT) -> None:
    """Poll ``condition`` until it holds; fail, saying ``what`` was awaited, after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def with_team_chats(session: Session, world: World) -> None:
    link_team_chat(session=session, actor=SYSTEM, team=world.gate_team, network="test", chat_id="gate-chat")
    link_team_chat(
        session=session, actor=SYSTEM, team=world.supply_team, network="test", chat_id="supply-chat"
    )


def tick(session: Session, now: datetime) -> list[Dispatch]:
    """One scheduler tick, then every escalation step it dispatched, as the actors would run them."""
    dispatches = collect_due(session, now=now)
    for dispatch in dispatches:
        if dispatch.actor == "escalate":
            climb(session=session, task_id=dispatch.args[0], token=dispatch.args[1], now=now)
    session.flush()
    return dispatches


def settle(session: Session, now: datetime) -> None:
    """Tick until no ladder step is left to run at ``now`` (a claim pauses a ladder until the next tick)."""
    for _ in range(10):
        if not [d for d in tick(session, now) if d.actor == "escalate"]:
            return
    raise AssertionError("the ladder did not settle")


def messages(session: Session, task: Task) -> list[tuple[str, str]]:
    """(recipient, message id) of each notification about ``task``, oldest first (p<id> or t<id>)."""
    rows = session.execute(
        select(Notification.person_id, Notification.team_id, Notification.msgid)
        .where(Notification.task_id == task.id)
        .order_by(Notification.id)
    ).all()
    return [(f"p{p}" if p is not None else f"t{t}", m) for p, t, m in rows]


__all__ = ["NOW", "Outcome", "messages", "settle", "tick", "until", "with_team_chats"]
