"""Households under watch: what a check-in call's result means for the four-colour list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.i18n import N_
from coord.models import Assignment, AssignmentState, Household, Task, WatchColour
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor

UNREACHED_LIMIT = 2  # calls in a row without an answer turn a household red


def after_checkin_call(session: Session, task: Task, assignment: Assignment, *, now: datetime) -> None:
    """Symptoms, or failing to reach the household twice in a row, turn it red and alert the leads at once."""
    household = session.get(Household, task.household_id)
    if household is None or household.watch_colour == WatchColour.RED:
        return
    figures = assignment.figures
    reason = None
    if figures.get("symptoms") is True:
        reason = "symptoms"
    elif figures.get("reached") is False and _unreached_in_a_row(session, household.id) >= UNREACHED_LIMIT:
        reason = "unreachable"
    if reason is None:
        return
    old = household.watch_colour
    household.watch_colour = WatchColour.RED
    record_event(
        session,
        actor=Actor.system(),
        action="household_red",
        community_id=task.community_id,
        task=task,
        at=now,
        household_id=household.id,
        old=str(old) if old else None,
        reason=reason,
    )
    from coord.services.work.notices import tell_leads

    msgid = (
        N_("Household under watch (task #{task_id}) reported symptoms: it is now RED. Please follow up now.")
        if reason == "symptoms"
        else N_(
            "Household under watch (task #{task_id}) could not be reached twice: it is now RED. "
            "Please follow up now."
        )
    )
    tell_leads(
        session,
        task,
        key=f"red:{household.id}:{task.id}",
        msgid=msgid,
        params={"task_id": task.id},
        at=now,
        coordinators=True,
    )


def _unreached_in_a_row(session: Session, household_id: int) -> int:
    results = session.scalars(
        select(Assignment.figures)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Task.household_id == household_id,
            Task.kind == "checkin_call",
            Assignment.state == AssignmentState.DONE,
        )
        .order_by(Assignment.ended_at.desc(), Assignment.id.desc())
        .limit(UNREACHED_LIMIT)
    ).all()
    count = 0
    for figures in results:
        if figures.get("reached") is False:
            count += 1
        else:
            break
    return count
