"""Walking each task's ladder: arm it, then climb one due stretch at a time, fenced by a token.

- ``arm_escalations`` (run by the scheduler tick) freezes a policy onto tasks that have none and
  points ``escalation_due_at`` at the next rung. Claiming, checking in and finishing pause the ladder
  (``slots.stop_escalation``: the due time is cleared and the token bumped, so a step already in
  flight finds a stale token); the next tick arms it again at the rung it had reached, and each rung
  checks its condition when it falls due.
- ``climb`` (run by the ``escalate`` actor with the task id and the token it was dispatched with) runs
  the rungs now due only if the token still matches, and stores the next token in the same transaction.

After a gap (a scheduler outage, a clock jump) several rungs are due at once: each runs once, in order.
A message is not sent to someone a later due message of the same condition reaches anyway (the
60-minute reminder when the 10-minute one is due too): each recipient gets the latest message meant for
them, so the captain still hears of an unfilled shift when the coordinators' step is due too. A message
whose moment has passed (a reminder after the start) is recorded as skipped, never sent late as if on time.

No-show rungs (anchored at the start, on ``not_checked_in``) count for each holder from the later of the
start and the moment they got the slot: someone assigned after the start gets the whole grace period. The
ladder waits at such a rung until every holder's moment has come, and ``rewind_for_late_holder`` takes it
back to the first one when a slot is taken after the start.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from coord.errors import CoordError
from coord.models import LADDER_FINISHED, Assignment, AssignmentState, Task, TaskStatus
from coord.services.escalation.ladder import (
    Action,
    Anchor,
    Condition,
    Rung,
    freeze_rungs,
    frozen_rungs,
    policy_for,
)
from coord.services.outbox.events import event_row, record_event, record_events
from coord.services.people.access import Actor

WORKER = Actor.system("escalation")
CLOSED = (TaskStatus.DONE, TaskStatus.CANCELLED)
#: Matches the partial index ``ix_task_escalation_armable`` word for word, so PostgreSQL can use it.
ARMABLE = text(
    "task.escalation_due_at IS NULL AND task.escalation_step < 10000 "
    "AND task.status IN ('open', 'full', 'in_progress')"
)


def arm_escalations(session: Session, *, now: datetime, limit: int = 250) -> int:
    """Point up to ``limit`` active tasks whose ladder is idle at their next rung, soonest work first.

    A burst of new work (a week of recurring shifts) is armed over a few ticks, keeping each tick short.
    """
    soonest = func.coalesce(Task.starts_at, Task.due_at, Task.created_at)
    rows = session.execute(
        select(*_ARMING)
        .where(ARMABLE)
        .order_by(soonest, Task.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    policies: dict[tuple[int, str, str], tuple[int, list[Rung]]] = {}
    updates, started = [], []
    for row in rows:
        values, event = _arm(session, row, policies, now)
        updates.append(values)
        if event is not None:
            started.append(event)
    if updates:
        session.execute(update(Task), updates)
        for values in updates:  # bulk statements bypass the identity map: refresh tasks this session holds
            held = session.identity_map.get(identity_key(Task, values["id"]))
            if held is not None:
                session.expire(held, ["escalation_policy", "escalation_step", "escalation_due_at"])
    record_events(session, started)
    return len(rows)


def _arm(
    session: Session, row: Any, policies: dict[tuple[int, str, str], tuple[int, list[Rung]]], now: datetime
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The new ladder state of one task, and the event that records a policy frozen onto it (if one was)."""
    shape = Task(starts_at=row.starts_at, ends_at=row.ends_at, due_at=row.due_at, created_at=row.created_at)
    snapshot, event = row.escalation_policy, None
    if snapshot is None or "rungs" not in snapshot:
        key = (row.community_id, row.kind, str(row.priority))
        if key not in policies:
            policy = policy_for(session, *key)
            policies[key] = (policy.id, [Rung.from_json(raw) for raw in policy.steps])
        snapshot, rungs = freeze_rungs(shape, *policies[key])
        event = _started_event(row, snapshot, now)
    else:
        rungs = [Rung.from_json(raw) for raw in snapshot["rungs"]]
    finished = row.escalation_step >= len(rungs)
    values = {
        "id": row.id,
        "escalation_policy": snapshot,
        "escalation_step": LADDER_FINISHED if finished else row.escalation_step,
        "escalation_due_at": None if finished else rungs[row.escalation_step].at(shape),
    }
    return values, event


_ARMING = (
    Task.id,
    Task.community_id,
    Task.kind,
    Task.priority,
    Task.starts_at,
    Task.ends_at,
    Task.due_at,
    Task.created_at,
    Task.escalation_policy,
    Task.escalation_step,
)


def _started_event(row: Any, snapshot: dict[str, Any], now: datetime) -> dict[str, Any]:
    return event_row(
        actor=WORKER,
        action="escalation_started",
        community_id=row.community_id,
        at=now,
        task_id=row.id,
        policy_id=snapshot["policy_id"],
        rungs=len(snapshot["rungs"]),
    )


class Outcome(enum.StrEnum):
    STALE = "stale"  # the token moved on: another step ran, or the ladder was paused
    EARLY = "early"  # nothing due yet (a lease ran out before the rung's time)
    CLIMBED = "climbed"
    FINISHED = "finished"


@dataclass
class Climb:
    outcome: Outcome
    ran: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def climb(*, session: Session, task_id: int, token: int, now: datetime) -> Climb:
    """Run the rungs of ``task_id`` due at ``now``, if ``token`` is still the task's fencing token."""
    task = session.scalar(select(Task).where(Task.id == task_id).with_for_update())
    if task is None or task.escalation_token != token or task.escalation_due_at is None:
        return Climb(Outcome.STALE)
    rungs = frozen_rungs(task)
    first = task.escalation_step
    if task.status in CLOSED or first >= len(rungs):
        _advance(task, rungs, LADDER_FINISHED)
        return Climb(Outcome.FINISHED)
    due = [i for i in range(first, len(rungs)) if _at(task, rungs[i]) <= now]
    if not due:
        task.escalation_due_at = rungs[first].at(task)
        return Climb(Outcome.EARLY)
    result = Climb(Outcome.CLIMBED)
    for index in due:
        rung = rungs[index]
        reason = _moot(task, rung, now)
        if not reason:
            ran = _run(session, task, index, rung, now, later=_later_messages(task, rungs, due, index, now))
            reason = "" if ran is not False else "superseded"
            if ran:
                result.ran.append(index)
        if reason:
            _skip(session, task, index, rung, reason, now)
            result.skipped.append(index)
        waiting = _waiting(session, task, rung, now)
        if waiting is not None:  # a holder's grace runs on: come back to this rung at their moment
            _hold(task, index, waiting)
            return result
    _advance(task, rungs, due[-1] + 1)
    return result


def _advance(task: Task, rungs: list[Rung], step: int) -> None:
    """Move the pointer and the fencing token on (the token re-read: an action may have bumped it)."""
    if step >= len(rungs):
        task.escalation_step, task.escalation_due_at = LADDER_FINISHED, None
    else:
        task.escalation_step, task.escalation_due_at = step, rungs[step].at(task)
    task.escalation_token = task.escalation_token + 1


def _hold(task: Task, step: int, at: datetime) -> None:
    """Keep the pointer at ``step`` until ``at`` (and move the fencing token on)."""
    task.escalation_step, task.escalation_due_at = step, at
    task.escalation_token = task.escalation_token + 1


def _later_messages(task: Task, rungs: list[Rung], due: list[int], index: int, now: datetime) -> list[Rung]:
    """The messages due now, after ``index``, of the same condition and a later moment: whoever they
    reach is not sent the earlier one too."""
    rung = rungs[index]
    if rung.action != Action.NOTIFY:
        return []
    return [
        rungs[j]
        for j in due
        if j > index
        and rungs[j].action == Action.NOTIFY
        and rungs[j].condition == rung.condition
        and _at(task, rungs[j]) > _at(task, rung)
        and not _moot(task, rungs[j], now)
    ]


def _at(task: Task, rung: Rung) -> datetime:
    # Frozen rungs all have their anchor (``freeze`` drops the others).
    return rung.at(task) or task.created_at


def _grace(task: Task, rung: Rung) -> bool:
    """Whether ``rung`` counts for each holder from when they got the slot (a no-show rung of a shift)."""
    return rung.condition == Condition.NOT_CHECKED_IN and rung.anchor == Anchor.START and bool(task.starts_at)


def duty_moment(task: Task, rung: Rung, assignment: Assignment) -> datetime:
    """When ``rung`` falls due for ``assignment``: its offset from the later of the start and the claim."""
    start = _at(task, rung) - timedelta(minutes=rung.offset)
    claimed = assignment.claimed_at
    return max(start, claimed) + timedelta(minutes=rung.offset) if claimed else _at(task, rung)


def _waiting(session: Session, task: Task, rung: Rung, now: datetime) -> datetime | None:
    """The next moment of a no-show rung still to come for a holder (one who got the slot late)."""
    if not _grace(task, rung) or task.status in CLOSED:
        return None
    held = session.scalars(
        select(Assignment).where(
            Assignment.task_id == task.id,
            Assignment.state.in_([AssignmentState.CLAIMED, AssignmentState.NO_SHOW]),
        )
    ).all()
    coming = [at for a in held if (at := duty_moment(task, rung, a)) > now]
    return min(coming, default=None)


def rewind_for_late_holder(session: Session, task: Task, assignment: Assignment, now: datetime) -> None:
    """Someone got a slot after the start: take the ladder back to the first no-show rung still to come
    for them, so they get the whole grace period, are asked to check in, and are missed if they don't."""
    rungs = frozen_rungs(task)
    if task.status in CLOSED or task.starts_at is None or not rungs or now < task.starts_at:
        return
    step = task.escalation_step
    back = next(
        (
            i
            for i, rung in enumerate(rungs)
            if i < step and _grace(task, rung) and duty_moment(task, rung, assignment) > now
        ),
        None,
    )
    if back is not None:
        _hold(task, back, duty_moment(task, rungs[back], assignment))
        session.flush()


def _moot(task: Task, rung: Rung, now: datetime) -> str:
    """Why this rung no longer makes sense at ``now`` ("" when it still does)."""
    end = task.ends_at or task.due_at
    if rung.condition == Condition.CLAIMED and task.starts_at and now >= task.starts_at:
        return "moment_passed"  # a reminder after the start would be a lie
    begin = task.starts_at or end
    if rung.action == Action.AUTO_ASSIGN and (begin is None or now >= begin):
        return "moment_passed"
    still_open = rung.condition in (Condition.UNCLAIMED, Condition.NOT_CHECKED_IN)
    if still_open and rung.action == Action.NOTIFY and end is not None and now >= end:
        return "work_over"
    return ""


def _run(
    session: Session, task: Task, index: int, rung: Rung, now: datetime, *, later: list[Rung]
) -> bool | None:
    """Do what the rung says if its condition holds: True when it did something, None when the condition
    does not hold, False when everyone it would tell hears a later message now instead."""
    subjects = _subjects(session, task, rung, now)
    if subjects is None:
        return None
    detail: dict[str, Any] = {}
    if rung.action == Action.NOTIFY:
        from coord.services.escalation.alerts import recipients, send_rung_messages

        covered = set()
        for other in later:
            others = _subjects(session, task, other, now)
            if others is not None:
                covered |= {r.key for r in recipients(session, task, other, others)}
        reached = send_rung_messages(
            session, task, index=index, rung=rung, subjects=subjects, now=now, skip=covered
        )
        if not reached:
            return False if covered else None
        detail["recipients"] = [r.key for r in reached]
        detail["told"] = list(dict.fromkeys(r.audience for r in reached))
    elif rung.action == Action.AUTO_ASSIGN:
        from coord.services.work.autoassign import auto_assign

        detail["assigned"] = [a.person_id for a in auto_assign(session=session, task_ids=[task.id], now=now)]
    elif rung.action == Action.MARK_NO_SHOW:
        if not any(a.state == AssignmentState.CLAIMED for a in subjects):
            return None
        detail["no_shows"] = _mark_no_shows(session, task, subjects, now)
    session.refresh(task)
    record_event(
        session,
        actor=WORKER,
        action="escalated",
        community_id=task.community_id,
        task=task,
        at=now,
        rung=index,
        condition=str(rung.condition),
        step=str(rung.action),
        to=[str(a) for a in rung.to],
        late_minutes=max(0, int((now - _at(task, rung)).total_seconds() // 60)),
        **detail,
    )
    return True


def _subjects(session: Session, task: Task, rung: Rung, now: datetime) -> list[Assignment] | None:
    """The assignments the rung's condition is about, or None when the condition does not hold."""
    condition = rung.condition
    held = session.scalars(
        select(Assignment).where(Assignment.task_id == task.id).order_by(Assignment.id)
    ).all()
    claimed = [a for a in held if a.state == AssignmentState.CLAIMED]
    if condition == Condition.CLAIMED:
        return claimed or None
    if condition == Condition.UNCLAIMED:
        free = task.filled < task.capacity and task.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
        return (
            [a for a in held if a.state in (AssignmentState.CLAIMED, AssignmentState.CHECKED_IN)]
            if free
            else None
        )
    if condition == Condition.NOT_CHECKED_IN:
        missing = claimed + [a for a in held if a.state == AssignmentState.NO_SHOW]
        if _grace(task, rung):  # each holder is missed only once their own grace is over
            missing = [a for a in missing if duty_moment(task, rung, a) <= now]
        working = sum(a.state in (AssignmentState.CHECKED_IN, AssignmentState.DONE) for a in held)
        return missing if missing and working < task.capacity else None
    if task.status in CLOSED:
        return None
    return [a for a in held if a.state in (AssignmentState.CLAIMED, AssignmentState.CHECKED_IN)]


def _mark_no_shows(session: Session, task: Task, subjects: list[Assignment], now: datetime) -> list[int]:
    from coord.services.work.claims import mark_no_show

    marked = []
    for assignment in subjects:
        if assignment.state != AssignmentState.CLAIMED:
            continue
        try:
            mark_no_show(session=session, actor=WORKER, task_id=task.id, person=assignment.person, now=now)
        except CoordError:  # checked in or released a moment ago: not a no-show after all
            continue
        marked.append(assignment.person_id)
    return marked


def _skip(session: Session, task: Task, index: int, rung: Rung, reason: str, now: datetime) -> None:
    record_event(
        session,
        actor=WORKER,
        action="escalation_skipped",
        community_id=task.community_id,
        task=task,
        at=now,
        rung=index,
        condition=str(rung.condition),
        reason=reason,
    )
