"""Planning the end of each shift: one ``shift_end`` duty row per shift whose end (and grace) has passed.

The tick writes the row once (its key and ``task_id`` are unique), due at the end plus the grace, and
leases it like any duty; the duty closes the shift (``coord.services.work.shift_end``). After downtime the
tick finds every shift that ended meanwhile, back to ``CATCH_UP``, and closes each once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from coord.db import insert_new
from coord.models import Duty, DutyKind, DutyStatus, Task, TaskStatus
from coord.services.work.shift_end import SHIFT_END_GRACE

#: How far back the tick looks for shifts that ended while it was not running.
CATCH_UP = timedelta(days=7)
LIVE = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)


def plan_shift_ends(session: Session, *, now: datetime, limit: int = 250) -> int:
    """Write the ``shift_end`` duty of up to ``limit`` live shifts whose end and grace have passed."""
    ended = now - SHIFT_END_GRACE
    rows = session.execute(
        select(Task.id, Task.community_id, Task.ends_at)
        .where(
            Task.ends_at <= ended,
            Task.ends_at > now - CATCH_UP,
            Task.status.in_(LIVE),
            ~exists().where(Duty.task_id == Task.id),
        )
        .order_by(Task.ends_at, Task.id)
        .limit(limit)
    ).all()
    duties = [
        {
            "key": f"shift_end:{task_id}",
            "kind": DutyKind.SHIFT_END,
            "task_id": task_id,
            "community_id": community_id,
            "due_at": ends_at + SHIFT_END_GRACE,
            "run_at": ends_at + SHIFT_END_GRACE,
            "status": DutyStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "note": "",
        }
        for task_id, community_id, ends_at in rows
    ]
    if duties:
        session.execute(insert_new(session, Duty, unique=["key"]), duties)
    return len(duties)
