"""Retention: private details are purged a set number of days after the work closes (DESIGN.md invariant 9).

- A closed task (done or cancelled) whose last event is older than the retention period loses its private
  note, and the private direct messages about it (notification rows) lose their copy of the details;
  ``Task.details_purged_at`` says so, and nothing private is shown of it after (``private_text``).
- A household whose quarantine ended longer ago than the retention period leaves the watch list: its
  colour, the reason, the quarantine date and the people named for it are cleared, unless a coordinator
  keeps it (``keep_household``). Its address and contact stay: they are the community's register.
- The purge is a time-based duty like the others: the scheduler tick writes one ``privacy_purge`` duty
  per community and day (``plan_purges``), due at 03:00 local time, whose ``day`` is the cut-off; the duty
  actor runs ``purge_private_details``. It is idempotent (a second run finds nothing) and is an event.

Reports read figures (assignments' figures, counts of tasks and events), never the purged text.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from coord.db import insert_new
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import (
    Community,
    Duty,
    DutyKind,
    DutyStatus,
    Event,
    Household,
    KeptHousehold,
    Notification,
    Task,
    TaskStatus,
)
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_coordinator

RETENTION = Actor.system("retention")
DEFAULT_RETENTION_DAYS = 30
PURGE_AT = time(3, 0)  # local time: the quiet of the night
PURGED = "—"  # what a purged copy of the details says
CLOSED = (TaskStatus.DONE, TaskStatus.CANCELLED)


def plan_purges(session: Session, *, now: datetime, retention_days: int = DEFAULT_RETENTION_DAYS) -> int:
    """Write today's purge duty of each community once it is due (03:00 local); returns how many."""
    rows = []
    for community in session.scalars(select(Community)):
        zone = ZoneInfo(community.timezone)
        today = now.astimezone(zone).date()
        moment = datetime.combine(today, PURGE_AT, tzinfo=zone).astimezone(now.tzinfo)
        if now < moment:
            continue
        rows.append(
            {
                "key": f"privacy_purge:{community.id}:{today.isoformat()}",
                "kind": DutyKind.PRIVACY_PURGE,
                "community_id": community.id,
                "day": today - timedelta(days=retention_days),  # the cut-off
                "due_at": moment,
                "run_at": moment,
                "status": DutyStatus.PENDING,
                "attempts": 0,
                "created_at": now,
                "note": "",
            }
        )
    if not rows:
        return 0
    known = set(session.scalars(select(Duty.key).where(Duty.key.in_([r["key"] for r in rows]))))
    new = [r for r in rows if r["key"] not in known]
    if new:
        session.execute(insert_new(session, Duty, unique=["key"]), new)
    return len(new)


def purge_private_details(session: Session, *, community_id: int, cutoff: date, now: datetime) -> str:
    """Purge what closed before ``cutoff`` in the community; returns what was done, for the duty's note."""
    community = session.get_one(Community, community_id)
    zone = ZoneInfo(community.timezone)
    before = datetime.combine(cutoff, time(0, 0), tzinfo=zone)
    tasks = _purge_tasks(session, community_id, before, now)
    households = _purge_households(session, community_id, cutoff, now)
    if tasks or households:
        record_event(
            session,
            actor=RETENTION,
            action="private_details_purged",
            community_id=community_id,
            at=now,
            cutoff=cutoff.isoformat(),
            tasks=tasks,
            households=households,
        )
    return f"purged {len(tasks)} tasks, {len(households)} households"


def _purge_tasks(session: Session, community_id: int, before: datetime, now: datetime) -> list[int]:
    last_event = (
        select(Event.task_id, func.max(Event.at).label("closed_at"))
        .where(Event.community_id == community_id, Event.task_id.is_not(None))
        .group_by(Event.task_id)
        .subquery()
    )
    ids = list(
        session.scalars(
            select(Task.id)
            .join(last_event, last_event.c.task_id == Task.id)
            .where(
                Task.community_id == community_id,
                Task.status.in_(CLOSED),
                Task.details_purged_at.is_(None),
                last_event.c.closed_at < before,
            )
            .order_by(Task.id)
        )
    )
    if not ids:
        return []
    session.execute(update(Task).where(Task.id.in_(ids)).values(private_details="", details_purged_at=now))
    for note in session.scalars(
        select(Notification).where(Notification.task_id.in_(ids), Notification.private.is_(True))
    ):
        note.params = {**note.params, "details": PURGED}
    return ids


WATCH_CLEARED = {
    "watch_colour": None,
    "watch_reason": "",
    "watch_set_at": None,
    "quarantine_until": None,
    "watch_lead_id": None,
    "watch_medic_id": None,
    "watch_due_at": None,
    "watch_token": Household.watch_token + 1,  # a follow-up in flight does nothing
}


def _purge_households(session: Session, community_id: int, cutoff: date, now: datetime) -> list[int]:
    kept = select(KeptHousehold.household_id)
    ids = list(
        session.scalars(
            select(Household.id)
            .where(
                Household.community_id == community_id,
                Household.quarantine_until.is_not(None),
                Household.quarantine_until < cutoff,
                Household.id.not_in(kept),
            )
            .order_by(Household.id)
        )
    )
    if ids:
        session.execute(update(Household).where(Household.id.in_(ids)).values(**WATCH_CLEARED))
    return ids


def keep_household(
    session: Session, *, actor: Actor, household: Household, reason: str, now: datetime, keep: bool = True
) -> None:
    """A coordinator keeps a household's watch-list details past retention (``keep=False``: no longer)."""
    require_coordinator(session, actor, household.community_id)
    if keep and not reason.strip():
        raise InvalidInput(N_("Say why the household's details are kept."))
    session.execute(delete(KeptHousehold).where(KeptHousehold.household_id == household.id))
    if keep:
        session.add(
            KeptHousehold(
                household_id=household.id, kept_by_id=actor.person_id, kept_at=now, reason=reason[:500]
            )
        )
        session.flush()
    record_event(
        session,
        actor=actor,
        action="household_kept" if keep else "household_released",
        community_id=household.community_id,
        at=now,
        household_id=household.id,
        reason=reason[:500],
    )
