"""A volunteer's claim on PostgreSQL in one round trip: ``coord_claim`` (migration 0006).

The function locks the task, checks the claim rules and takes the slot; what it answers is turned into
the same errors and the same session state as the step-by-step claim (``claims.claim`` on SQLite). The
task is not loaded for the claim: the returned slot's ``task`` loads when read, and a task the session
already holds gets its new counts copied in. Only a task with private details is read, to write them
to the assignee's outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from coord.models import Assignment, Person, Task
from coord.services.access import Actor
from coord.services.claim_rules import claim_refusal
from coord.services.notices import send_private_details
from coord.services.slots import adopt, copy_taken
from coord.services.tasks import get_task, unknown_task

_CLAIM = text(
    "SELECT outcome, slot_id, slots_filled, task_status, token, missing, has_private FROM coord_claim("
    "CAST(:task_id AS integer), CAST(:person_id AS integer), CAST(:at AS timestamptz), "
    "CAST(:channel AS varchar))"
)
_LARGEST_ID = 2**31 - 1  # PostgreSQL's integer


def claim_in_one_call(
    session: Session, actor: Actor, person: Person, task_id: int, now: datetime
) -> Assignment:
    """``person`` (the acting person) takes one slot of ``task_id``, or the reason they may not is raised."""
    if not 0 < task_id <= _LARGEST_ID:
        raise unknown_task(task_id)
    session.flush()  # the rules read the database: what the session changed must be there
    row = (
        session.connection()
        .execute(_CLAIM, {"task_id": task_id, "person_id": person.id, "at": now, "channel": actor.channel})
        .one()
    )
    if row.outcome != "taken":
        raise claim_refusal(row.outcome, task_id, status=row.task_status or "", missing=row.missing or "")
    held = session.identity_map.get(identity_key(Task, task_id))
    task = held if isinstance(held, Task) else None
    if task is not None:
        copy_taken(task, row.slots_filled, row.task_status, row.token)
    assignment = adopt(session, task_id, task, person, row.slot_id, None, now)
    if row.has_private:
        send_private_details(session, task or get_task(session, task_id), assignment, at=now)
    return assignment
