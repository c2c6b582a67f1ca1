"""The outbox as an operator sees it: how many notifications wait, how long the oldest has waited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.models import Event, Notification, NotificationStatus

#: Waiting to go out: not sent yet, or failed and to be tried again (dead ones are counted apart).
WAITING = (NotificationStatus.PENDING, NotificationStatus.FAILED)


@dataclass(frozen=True)
class Backlog:
    waiting: int
    oldest_seconds: float  # 0 when nothing waits
    dead: int


def outbox_backlog(session: Session, *, now: datetime) -> Backlog:
    """Notifications waiting (and the age of the oldest), and those given up on."""
    waiting, oldest = session.execute(
        select(func.count(), func.min(Notification.created_at)).where(Notification.status.in_(WAITING))
    ).one()
    dead = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.status == NotificationStatus.DEAD)
    )
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Backlog(waiting=int(waiting or 0), oldest_seconds=age, dead=int(dead or 0))


def escalations_opened(session: Session) -> int:
    """Escalations opened so far (each ``escalation_started`` event)."""
    return int(
        session.scalar(select(func.count()).select_from(Event).where(Event.action == "escalation_started"))
        or 0
    )
