"""Running a duty row (a daily summary, materialising recurring work, a shift's end) exactly once."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.models import Duty, DutyKind, DutyStatus
from coord.services.privacy.retention import purge_private_details
from coord.services.reporting.summary import send_daily_summary
from coord.services.work.shift_end import close_ended_shift

log = logging.getLogger(__name__)
MATERIALISE_DAYS = 7


def run_duty(*, session: Session, duty_id: int, now: datetime) -> DutyStatus | None:
    """Do the duty if it is still pending (the row lock makes a second delivery wait, then do nothing)."""
    duty = session.scalar(select(Duty).where(Duty.id == duty_id).with_for_update())
    if duty is None or duty.status != DutyStatus.PENDING:
        return None
    if duty.kind == DutyKind.DAILY_SUMMARY:
        assert duty.community_id is not None and duty.day is not None
        sent = send_daily_summary(session, community_id=duty.community_id, day=duty.day, now=now)
        duty.note = f"sent to {sent}"
    elif duty.kind == DutyKind.MATERIALISE:
        duty.note = _materialise(session, now)
    elif duty.kind == DutyKind.PRIVACY_PURGE:
        assert duty.community_id is not None and duty.day is not None
        duty.note = purge_private_details(session, community_id=duty.community_id, cutoff=duty.day, now=now)
    elif duty.kind == DutyKind.SHIFT_END:
        assert duty.task_id is not None
        closed = close_ended_shift(session=session, task_id=duty.task_id, now=now)
        duty.note = closed.note() if closed else "nothing to close"
    duty.status = DutyStatus.DONE
    duty.finished_at = now
    return duty.status


def _materialise(session: Session, now: datetime) -> str:
    try:
        from coord.services.recurring.materialisation import materialise_all
    except ImportError:  # recurring work is optional: without it there is nothing to materialise
        return "recurring work is not available"
    created = materialise_all(session=session, now=now, days=MATERIALISE_DAYS)
    return f"created {created} tasks"
