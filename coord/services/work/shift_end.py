"""The end of a shift: whoever is still at their post is finished by it, and the work is done.

A shift whose end passes without every holder saying ``done`` would otherwise stay in progress for ever.
At the end (after ``SHIFT_END_GRACE``, time to report the figures) the scheduler's ``shift_end`` duty runs
``close_ended_shift`` once: each holder who checked in and did not say done is recorded as finished by the
shift's end (no figures, an event that says so, hours from check-in to the end); a holder of work done at a
post who never checked in is a no-show, as the ladder would have marked them; the task is done when nobody
is left at work and somebody worked. A holder of other shift work (a patrol) who never checked in keeps
the slot: their captain is asked for it by the ladder, and the task closes when it is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import CoordError
from coord.i18n import MOMENTS, N_, moment_param
from coord.kinds import get_kind
from coord.models import ACTIVE_STATES, Assignment, AssignmentState, Task, TaskStatus
from coord.services.outbox.events import record_event
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor
from coord.services.work.rules import community_zone
from coord.services.work.slots import finish_work, move

#: Time after a shift's end for its holders to report their figures before the end closes it.
SHIFT_END_GRACE = timedelta(minutes=15)
WORKER = Actor.system("shift_end")
CLOSED = (TaskStatus.DONE, TaskStatus.CANCELLED)


@dataclass
class ShiftClosed:
    """What the end of one shift did: who was finished by it, who was a no-show, whether the task is done."""

    finished: list[int] = field(default_factory=list)
    no_shows: list[int] = field(default_factory=list)
    done: bool = False

    def note(self) -> str:
        return f"finished {len(self.finished)}, no-shows {len(self.no_shows)}, done {self.done}"


def close_ended_shift(*, session: Session, task_id: int, now: datetime) -> ShiftClosed | None:
    """Close the shift ``task_id`` whose end has passed; None when there is nothing to close (already done
    or cancelled, not a shift, or not over yet). Run twice, the second run finds nothing to move."""
    task = session.scalar(select(Task).where(Task.id == task_id).with_for_update())
    if task is None or task.ends_at is None or task.status in CLOSED or now < task.ends_at:
        return None
    result = ShiftClosed()
    needs_check_in = get_kind(task.kind).needs_check_in
    for assignment in _unfinished(session, task):
        if assignment.state == AssignmentState.CHECKED_IN:
            if _finish(session, task, assignment, now):
                result.finished.append(assignment.person_id)
        elif needs_check_in and _no_show(session, task, assignment, now):
            result.no_shows.append(assignment.person_id)
    if _somebody_worked(session, task) and not _unfinished(session, task):
        finish_work(session, task, now)
        result.done = task.status == TaskStatus.DONE
    return result


def _unfinished(session: Session, task: Task) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.task_id == task.id, Assignment.state.in_(ACTIVE_STATES))
            .order_by(Assignment.id)
        )
    )


def _somebody_worked(session: Session, task: Task) -> bool:
    done = select(Assignment.id).where(
        Assignment.task_id == task.id, Assignment.state == AssignmentState.DONE
    )
    return session.scalar(done.limit(1)) is not None


def _finish(session: Session, task: Task, assignment: Assignment, now: datetime) -> bool:
    """Record ``assignment`` finished by the shift's end (False: it moved on a moment ago)."""
    assert task.ends_at is not None
    try:
        move(
            session,
            assignment,
            (AssignmentState.CHECKED_IN,),
            AssignmentState.DONE,
            refusal=_Moved(),
            ended_at=task.ends_at,
            figures={},
            note="",
        )
    except _Moved:
        return False
    record_event(
        session,
        actor=WORKER,
        action="finished_by_shift_end",
        community_id=task.community_id,
        assignment=assignment,
        at=now,
        ended_at=task.ends_at.isoformat(),
    )
    zone = ZoneInfo(community_zone(session, task.community_id))
    notify(
        session,
        dedupe_key=f"shiftend:{assignment.id}",
        community_id=task.community_id,
        person_id=assignment.person_id,
        task_id=task.id,
        msgid=N_("Task #{task_id} “{title}” ended at {end}: your shift is recorded as finished. Thank you!"),
        params={
            "task_id": task.id,
            "title": task.title,
            "end": moment_param(task.ends_at, zone.key, now),
            MOMENTS: ["end"],
        },
        at=now,
    )
    return True


def _no_show(session: Session, task: Task, assignment: Assignment, now: datetime) -> bool:
    """Mark a holder who never checked in as a no-show (after downtime the ladder may not have yet)."""
    from coord.services.work.claims import mark_no_show

    try:
        mark_no_show(session=session, actor=WORKER, task_id=task.id, person=assignment.person, now=now)
    except CoordError:  # checked in or released a moment ago
        return False
    return True


class _Moved(Exception):
    """The slot was no longer checked in when the end came to it."""
