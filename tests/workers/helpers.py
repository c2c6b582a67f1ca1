"""Building work and driving the ladder the way the scheduler tick and the actors do, in one session."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.models import Notification, Priority, Task
from coord.services.escalation.climb import Outcome, climb
from coord.services.people.people import link_team_chat
from coord.services.schedule.tick import Dispatch, collect_due
from coord.services.work.tasks import create_task
from tests.factories import NOW, SYSTEM, World, shift_times


def gate_shift(
    session: Session,
    world: World,
    *,
    capacity: int = 2,
    hours_from_now: float = 2,
    skills: list[str] | None = None,
) -> Task:
    start, end = shift_times(hours_from_now)
    return create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="gate_shift",
        title="North gate",
        team=world.gate_team,
        place=world.north_gate,
        starts_at=start,
        ends_at=end,
        capacity=capacity,
        skills=skills,
        now=NOW,
    )


def delivery(
    session: Session,
    world: World,
    *,
    hours: float = 3,
    priority: Priority = Priority.NORMAL,
    household: int = 0,
) -> Task:
    return create_task(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="delivery",
        title="Rice and vegetables",
        team=world.supply_team,
        household=world.households[household],
        private_details="Call first",
        due_at=NOW + timedelta(hours=hours),
        priority=priority,
        now=NOW,
    )


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


__all__ = ["NOW", "Outcome", "delivery", "gate_shift", "messages", "settle", "tick", "with_team_chats"]
