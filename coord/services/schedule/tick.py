"""The scheduler tick's work in the database: plan duties and shift ends, arm ladders and watches, lease
what is due.

``collect_due`` runs inside the tick's transaction and returns what to enqueue. Each due row is leased
(its next-look time moved ``lease`` ahead) in that same transaction, so a second tick does not send it
again while the first message is in flight; a message lost after commit (a crash before enqueue, a Redis
flush) is found again once the lease runs out. Actors check the row itself (a status or a fencing token),
so a message delivered twice has one effect. Rows are selected with SKIP LOCKED where the database has it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coord.db import insert_new
from coord.models import (
    Community,
    Duty,
    DutyKind,
    DutyStatus,
    Household,
    Notification,
    NotificationStatus,
    Task,
)
from coord.services.escalation.climb import arm_escalations
from coord.services.privacy.retention import plan_purges
from coord.services.schedule.shift_ends import plan_shift_ends
from coord.services.watch.schedule import arm_watches

log = logging.getLogger(__name__)

MATERIALISE_EVERY = timedelta(minutes=15)
SUMMARY_CATCH_UP = timedelta(hours=6)  # a summary missed by longer than this (an outage) is not sent late


@dataclass(frozen=True)
class Dispatch:
    """One message to enqueue: an actor name and its arguments (ids and tokens, never objects)."""

    actor: str
    args: tuple[int, ...]


@dataclass(frozen=True)
class TickOptions:
    lease: timedelta = timedelta(minutes=2)
    batch: int = 1000  # due rows of each kind leased per tick
    retention_days: int = 30  # private details purged this long after the work closes (COORD_RETENTION_DAYS)
    arm_batch: int = 250  # idle ladders armed per tick


def collect_due(session: Session, *, now: datetime, options: TickOptions = TickOptions()) -> list[Dispatch]:
    """Everything due at ``now``, leased; enqueue the result after the transaction commits."""
    plan_duties(session, now=now)
    plan_purges(session, now=now, retention_days=options.retention_days)
    plan_shift_ends(session, now=now, limit=options.arm_batch)
    arm_escalations(session, now=now, limit=options.arm_batch)
    arm_watches(session, now=now, limit=options.arm_batch)
    until = now + options.lease
    return [
        *_lease_escalations(session, now, until, options.batch),
        *_lease_duties(session, now, until, options.batch),
        *_lease_watches(session, now, until, options.batch),
        *_lease_notifications(session, now, until, options.batch),
        *_lease_cutoffs(session, now, until, options.batch),
    ]


def _lease_cutoffs(session: Session, now: datetime, until: datetime, batch: int) -> list[Dispatch]:
    """Group-buy cut-offs come due (coord.services.requests): ``group_buy_cutoff`` with the row's id."""
    from coord.services.requests.runs import lease_cutoffs

    ids = lease_cutoffs(session, now=now, until=until, batch=batch)
    return [Dispatch("group_buy_cutoff", (cutoff_id,)) for cutoff_id in ids]


def _lease_watches(session: Session, now: datetime, until: datetime, batch: int) -> list[Dispatch]:
    """Households under watch whose follow-up is due (coord.services.watch): ``watch`` with the token."""
    rows = session.execute(
        select(Household.id, Household.watch_token)
        .where(Household.watch_due_at <= now)
        .order_by(Household.watch_due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        session.execute(
            update(Household)
            .where(Household.id.in_([r[0] for r in rows]))
            .values(watch_due_at=until)
            .execution_options(synchronize_session=False)
        )
    return [Dispatch("watch", (household_id, token)) for household_id, token in rows]


def _lease_escalations(session: Session, now: datetime, until: datetime, batch: int) -> list[Dispatch]:
    rows = session.execute(
        select(Task.id, Task.escalation_token)
        .where(Task.escalation_due_at <= now)
        .order_by(Task.escalation_due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        session.execute(
            update(Task)
            .where(Task.id.in_([r[0] for r in rows]))
            .values(escalation_due_at=until)
            .execution_options(synchronize_session=False)
        )
    return [Dispatch("escalate", (task_id, token)) for task_id, token in rows]


def _lease_duties(session: Session, now: datetime, until: datetime, batch: int) -> list[Dispatch]:
    rows = session.execute(
        select(Duty.id, Duty.kind)
        .where(Duty.status == DutyStatus.PENDING, Duty.run_at <= now)
        .order_by(Duty.run_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        session.execute(
            update(Duty)
            .where(Duty.id.in_([r[0] for r in rows]))
            .values(run_at=until, attempts=Duty.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    return [Dispatch(str(kind), (duty_id,)) for duty_id, kind in rows]


def _lease_notifications(session: Session, now: datetime, until: datetime, batch: int) -> list[Dispatch]:
    rows = session.execute(
        select(Notification.id, Notification.attempts)
        .where(
            Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.FAILED]),
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        session.execute(
            update(Notification)
            .where(Notification.id.in_([r[0] for r in rows]))
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
    return [Dispatch("deliver", (notification_id, attempts)) for notification_id, attempts in rows]


def plan_duties(session: Session, *, now: datetime) -> int:
    """Write the community-wide duties that have come due: daily summaries, materialising recurring work."""
    wanted: dict[str, dict[str, object]] = {}
    slot = _floor(now, MATERIALISE_EVERY)
    wanted[f"materialise:{slot.isoformat()}"] = {"kind": DutyKind.MATERIALISE, "due_at": slot}
    for community in session.scalars(select(Community)):
        for day, moment in summary_moments(community, now):
            wanted[f"summary:{community.id}:{day.isoformat()}"] = {
                "kind": DutyKind.DAILY_SUMMARY,
                "due_at": moment,
                "community_id": community.id,
                "day": day,
            }
    known = set(session.scalars(select(Duty.key).where(Duty.key.in_(list(wanted)))))
    rows = [
        {
            "key": key,
            "run_at": values["due_at"],
            "status": DutyStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "note": "",
            **values,
        }
        for key, values in wanted.items()
        if key not in known
    ]
    if rows:
        session.execute(insert_new(session, Duty, unique=["key"]), rows)
    return len(rows)


def summary_moments(community: Community, now: datetime) -> list[tuple[date, datetime]]:
    """The community's summary moments (today's and yesterday's, local time) that are due and not too old."""
    zone = ZoneInfo(community.timezone)
    today = now.astimezone(zone).date()
    moments = []
    for day in (today - timedelta(days=1), today):
        moment = datetime.combine(day, community.summary_time, tzinfo=zone).astimezone(now.tzinfo)
        if moment <= now < moment + SUMMARY_CATCH_UP:
            moments.append((day, moment))
    return moments


def _floor(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=moment.tzinfo)
    return epoch + ((moment - epoch) // step) * step
